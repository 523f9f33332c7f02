package reports

import (
	"encoding/json"
	"io"

	"github.com/meshproof/meshproof/rules"
)

// JSON writes the report as one JSON document (schema: docs/schemas/check-result.json).
type JSON struct{}

// Format writes r as indented JSON.
func (JSON) Format(w io.Writer, r *rules.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
