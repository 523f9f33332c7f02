// Package strictjson reads JSON strictly, for signature envelopes where two
// readings of one document must not be possible: an object's keys must be
// known and spelled exactly (encoding/json alone matches them
// case-insensitively), no key may repeat, nothing may follow the value, and
// base64 must be standard and padded, as protobuf's JSON form writes it.
//
// Both the proxy's verifier (proxy/signed) and meshproof's signing side
// (meshgen/signing) parse with it. It depends only on the standard library.
package strictjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Object reads a JSON object whose keys are among allowed and returns the
// raw values by key.
func Object(data []byte, allowed ...string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := t.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		known := false
		for _, a := range allowed {
			if key == a {
				known = true
				break
			}
		}
		if !known {
			return nil, fmt.Errorf("unknown field %q", key)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("field %q repeated", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return out, nil
}

// Require checks that fields has every one of names.
func Require(fields map[string]json.RawMessage, names ...string) error {
	for _, n := range names {
		if _, ok := fields[n]; !ok {
			return fmt.Errorf("missing field %q", n)
		}
	}
	return nil
}

func String(raw json.RawMessage, field string) (string, error) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", fmt.Errorf("field %q: not a string", field)
	}
	return s, nil
}

func Base64(raw json.RawMessage, field string) ([]byte, error) {
	s, err := String(raw, field)
	if err != nil {
		return nil, err
	}
	// Strict decoding still skips CR and LF: refuse them, so that one
	// value has one spelling.
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("field %q: not standard base64", field)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("field %q: not standard base64", field)
	}
	return b, nil
}

func Array(raw json.RawMessage, field string) ([]json.RawMessage, error) {
	var a []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &a) != nil {
		return nil, fmt.Errorf("field %q: not an array", field)
	}
	return a, nil
}
