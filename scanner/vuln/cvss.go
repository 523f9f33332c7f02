package vuln

import (
	"fmt"
	"math"
	"strings"
)

// CVSSScore computes the base score of a CVSS v3.0/v3.1 or v2 vector
// ("CVSS:3.1/AV:N/AC:L/..." or "AV:N/AC:L/Au:N/..."), and says which
// version it read. CVSS v4 vectors are not scored (their scoring needs the
// specification's lookup tables); they return an error.
func CVSSScore(vector string) (score float64, version string, err error) {
	switch {
	case strings.HasPrefix(vector, "CVSS:3.0/"), strings.HasPrefix(vector, "CVSS:3.1/"):
		s, err := cvss3(vector[len("CVSS:3.x/"):])
		return s, "CVSS_V3", err
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return 0, "CVSS_V4", fmt.Errorf("CVSS v4 vector %q: not scored", vector)
	case strings.HasPrefix(vector, "CVSS:"):
		return 0, "", fmt.Errorf("CVSS vector %q: unknown version", vector)
	}
	s, err := cvss2(strings.TrimSuffix(strings.TrimPrefix(vector, "("), ")"))
	return s, "CVSS_V2", err
}

// metrics splits "AV:N/AC:L" into a map, refusing repeated and missing metrics.
func metrics(v string, required []string) (map[string]string, error) {
	m := map[string]string{}
	for _, part := range strings.Split(v, "/") {
		k, val, ok := strings.Cut(part, ":")
		if !ok || k == "" || val == "" {
			return nil, fmt.Errorf("malformed metric %q", part)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("metric %s given twice", k)
		}
		m[k] = val
	}
	for _, k := range required {
		if _, ok := m[k]; !ok {
			return nil, fmt.Errorf("missing metric %s", k)
		}
	}
	return m, nil
}

func weight(m map[string]string, metric string, w map[string]float64) (float64, error) {
	x, ok := w[m[metric]]
	if !ok {
		return 0, fmt.Errorf("metric %s has unknown value %q", metric, m[metric])
	}
	return x, nil
}

func cvss3(v string) (float64, error) {
	m, err := metrics(v, []string{"AV", "AC", "PR", "UI", "S", "C", "I", "A"})
	if err != nil {
		return 0, fmt.Errorf("CVSS v3 vector: %w", err)
	}
	scope := m["S"]
	if scope != "U" && scope != "C" {
		return 0, fmt.Errorf("CVSS v3 vector: metric S has unknown value %q", scope)
	}
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	if scope == "C" {
		pr = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}
	}
	cia := map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	var w [7]float64
	for i, x := range []struct {
		metric string
		w      map[string]float64
	}{
		{"AV", map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}},
		{"AC", map[string]float64{"L": 0.77, "H": 0.44}},
		{"PR", pr},
		{"UI", map[string]float64{"N": 0.85, "R": 0.62}},
		{"C", cia}, {"I", cia}, {"A", cia},
	} {
		if w[i], err = weight(m, x.metric, x.w); err != nil {
			return 0, fmt.Errorf("CVSS v3 vector: %w", err)
		}
	}
	iss := 1 - (1-w[4])*(1-w[5])*(1-w[6])
	impact := 6.42 * iss
	if scope == "C" {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	exploitability := 8.22 * w[0] * w[1] * w[2] * w[3]
	if impact <= 0 {
		return 0, nil
	}
	if scope == "U" {
		return roundUp(math.Min(impact+exploitability, 10)), nil
	}
	return roundUp(math.Min(1.08*(impact+exploitability), 10)), nil
}

// roundUp is CVSS v3.1's Roundup: the smallest number with one decimal at
// or above x, computed in integers to avoid floating point surprises.
func roundUp(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

func cvss2(v string) (float64, error) {
	m, err := metrics(v, []string{"AV", "AC", "Au", "C", "I", "A"})
	if err != nil {
		return 0, fmt.Errorf("CVSS v2 vector: %w", err)
	}
	cia := map[string]float64{"N": 0, "P": 0.275, "C": 0.660}
	var w [6]float64
	for i, x := range []struct {
		metric string
		w      map[string]float64
	}{
		{"AV", map[string]float64{"L": 0.395, "A": 0.646, "N": 1.0}},
		{"AC", map[string]float64{"H": 0.35, "M": 0.61, "L": 0.71}},
		{"Au", map[string]float64{"M": 0.45, "S": 0.56, "N": 0.704}},
		{"C", cia}, {"I", cia}, {"A", cia},
	} {
		if w[i], err = weight(m, x.metric, x.w); err != nil {
			return 0, fmt.Errorf("CVSS v2 vector: %w", err)
		}
	}
	impact := 10.41 * (1 - (1-w[3])*(1-w[4])*(1-w[5]))
	exploitability := 20 * w[0] * w[1] * w[2]
	f := 1.176
	if impact == 0 {
		f = 0
	}
	return math.Round(((0.6*impact)+(0.4*exploitability)-1.5)*f*10) / 10, nil
}

// Rating names the qualitative severity of a base score (CVSS v3's scale;
// v2 has no CRITICAL, so a v2 score of 9 or more is HIGH).
func Rating(score float64, version string) string {
	switch {
	case score == 0:
		return "NONE"
	case score < 4:
		return "LOW"
	case score < 7:
		return "MEDIUM"
	case score < 9 || version == "CVSS_V2":
		return "HIGH"
	}
	return "CRITICAL"
}
