package proxyproto

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRoundTrip(t *testing.T) {
	tests := []Header{
		{Source: netip.MustParseAddrPort("10.1.2.3:5555"), Destination: netip.MustParseAddrPort("10.0.0.1:15432"),
			SPIFFEID: "spiffe://corp.example/ns/payments/sa/api", TLSVersion: "TLSv1.3"},
		{Source: netip.MustParseAddrPort("[2001:db8::1]:1"), Destination: netip.MustParseAddrPort("[::1]:2"), SPIFFEID: "spiffe://a/b"},
		{Local: true},
	}
	for _, h := range tests {
		b := h.Append(nil)
		got, n, err := Parse(append(b, "tail"...))
		if err != nil {
			t.Fatalf("Parse(Append(%+v)): %v", h, err)
		}
		if n != len(b) {
			t.Errorf("Parse length = %d, want %d", n, len(b))
		}
		if diff := cmp.Diff(h, *got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
		r, err := Read(bytes.NewReader(append(b, 'x')))
		if err != nil || r.SPIFFEID != h.SPIFFEID {
			t.Errorf("Read() = %+v, %v", r, err)
		}
	}
}

// TestWireFormat pins the bytes of a header against the specification's
// layout, so that a round trip through our own parser cannot hide a shared
// mistake.
func TestWireFormat(t *testing.T) {
	h := Header{Source: netip.MustParseAddrPort("127.0.0.1:1000"), Destination: netip.MustParseAddrPort("127.0.0.2:2000"), SPIFFEID: "spiffe://t/x"}
	want := append([]byte("\r\n\r\n\x00\r\nQUIT\n"),
		0x21, 0x11, 0x00, 12+3+12,
		127, 0, 0, 1, 127, 0, 0, 2, 0x03, 0xe8, 0x07, 0xd0,
		0xe0, 0x00, 12)
	want = append(want, "spiffe://t/x"...)
	if got := h.Append(nil); !bytes.Equal(got, want) {
		t.Errorf("Append() = %x, want %x", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	good := Header{Source: netip.MustParseAddrPort("1.2.3.4:5"), Destination: netip.MustParseAddrPort("5.6.7.8:9"), SPIFFEID: "spiffe://a/b"}.Append(nil)
	bad := map[string][]byte{
		"short":     good[:10],
		"signature": append([]byte("GET / HTTP/1.1\r\n"), good[16:]...),
		"version":   append(append([]byte{}, good[:12]...), append([]byte{0x11}, good[13:]...)...),
		"truncated": good[:len(good)-1],
		"family":    append(append([]byte{}, good[:13]...), append([]byte{0x99}, good[14:]...)...),
	}
	for name, b := range bad {
		if _, _, err := Parse(b); !errors.Is(err, ErrHeader) {
			t.Errorf("Parse(%s) = %v, want ErrHeader", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Header{Source: netip.MustParseAddrPort("1.2.3.4:5"), Destination: netip.MustParseAddrPort("5.6.7.8:9"), SPIFFEID: "spiffe://a/b", TLSVersion: "TLSv1.3"}.Append(nil))
	f.Add(Header{Local: true}.Append(nil))
	f.Add([]byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x03\xe0\x00\x05"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, n, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrHeader) {
				t.Fatalf("Parse error %v does not wrap ErrHeader", err)
			}
			return
		}
		if n < 16 || n > len(data) {
			t.Fatalf("Parse length %d out of range (input %d)", n, len(data))
		}
		if h == nil {
			t.Fatal("Parse returned no header and no error")
		}
	})
}

func ExampleHeader_Append() {
	h := Header{
		Source:      netip.MustParseAddrPort("10.0.0.7:40000"),
		Destination: netip.MustParseAddrPort("10.0.0.1:15432"),
		SPIFFEID:    "spiffe://corp.example/ns/payments/sa/api",
	}
	b := h.Append(nil)
	back, _, _ := Parse(b)
	fmt.Println(len(b), back.SPIFFEID)
	// Output: 71 spiffe://corp.example/ns/payments/sa/api
}
