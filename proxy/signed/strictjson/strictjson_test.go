package strictjson

import (
	"strings"
	"testing"
)

func TestObject(t *testing.T) {
	tests := []struct {
		in, err string
	}{
		{`{"a": 1, "b": "x"}`, ""},
		{` {"a": {"nested": [1]}} `, ""},
		{`{"A": 1}`, `unknown field "A"`},
		{`{"a": 1, "a": 2}`, `field "a" repeated`},
		{`{"a": 1} {}`, "data after the JSON object"},
		{`[1]`, "not a JSON object"},
		{`{"a": 1`, "EOF"},
		{``, "not a JSON object"},
	}
	for _, tt := range tests {
		m, err := Object([]byte(tt.in), "a", "b")
		if tt.err == "" {
			if err != nil || m["a"] == nil {
				t.Errorf("Object(%q) = %v, %v; want the fields", tt.in, m, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Object(%q) = %v, want an error containing %q", tt.in, err, tt.err)
		}
	}
	m, _ := Object([]byte(`{"a": 1}`), "a", "b")
	if err := Require(m, "a"); err != nil {
		t.Errorf("Require(a) = %v", err)
	}
	if err := Require(m, "a", "b"); err == nil || err.Error() != `missing field "b"` {
		t.Errorf("Require(a, b) = %v, want missing field \"b\"", err)
	}
}

func TestValues(t *testing.T) {
	if s, err := String([]byte(`"x\u0041"`), "f"); err != nil || s != "xA" {
		t.Errorf("String = %q, %v", s, err)
	}
	for _, raw := range []string{`1`, `null`, `["x"]`, ``} {
		if _, err := String([]byte(raw), "f"); err == nil || err.Error() != `field "f": not a string` {
			t.Errorf("String(%s) = %v, want not a string", raw, err)
		}
	}
	if b, err := Base64([]byte(`"aGk="`), "f"); err != nil || string(b) != "hi" {
		t.Errorf("Base64 = %q, %v", b, err)
	}
	for _, raw := range []string{`"aGk"`, `"-_8="`, `"aGk=\n"`} {
		if _, err := Base64([]byte(raw), "f"); err == nil {
			t.Errorf("Base64(%s) = nil error: unpadded, URL-safe or padded with junk must be refused", raw)
		}
	}
	if a, err := Array([]byte(`[1, {}]`), "f"); err != nil || len(a) != 2 {
		t.Errorf("Array = %v, %v", a, err)
	}
	if _, err := Array([]byte(`{}`), "f"); err == nil {
		t.Error("Array({}) = nil error")
	}
}
