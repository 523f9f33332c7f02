package rules

import (
	"fmt"
	"strings"
)

// Severity ranks a finding. The zero value is not a valid severity.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota + 1
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{Info: "INFO", Low: "LOW", Medium: "MEDIUM", High: "HIGH", Critical: "CRITICAL"}

// Severities lists every severity, lowest first.
func Severities() []Severity { return []Severity{Info, Low, Medium, High, Critical} }

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name in any case ("high", "HIGH").
func ParseSeverity(name string) (Severity, error) {
	for _, s := range Severities() {
		if strings.EqualFold(name, severityNames[s]) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of info, low, medium, high, critical)", name)
}

// Raise returns the next severity up, capped at Critical.
func (s Severity) Raise() Severity { return min(s+1, Critical) }

// MarshalText writes the upper-case name.
func (s Severity) MarshalText() ([]byte, error) {
	if s < Info || s > Critical {
		return nil, fmt.Errorf("invalid severity %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a name in any case.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
