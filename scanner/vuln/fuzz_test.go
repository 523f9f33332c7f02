package vuln

import "testing"

// FuzzParseAdvisory: any bytes are an advisory or an error, never a panic,
// and what parses can be matched.
func FuzzParseAdvisory(f *testing.F) {
	f.Add([]byte(`{"id": "X-1", "modified": "2026-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAdvisory("fuzz.json", data)
		if err != nil {
			return
		}
		feed := &Feed{byName: map[string]map[string][]entry{}}
		feed.Add(a)
		feed.Match(installed)
	})
}

// FuzzCVSSScore: any vector is a score in [0, 10] or an error.
func FuzzCVSSScore(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	f.Add("AV:N/AC:L/Au:N/C:P/I:P/A:P")
	f.Fuzz(func(t *testing.T, v string) {
		s, _, err := CVSSScore(v)
		if err == nil && (s < 0 || s > 10) {
			t.Errorf("CVSSScore(%q) = %v, out of range", v, s)
		}
	})
}
