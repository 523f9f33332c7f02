// Package proxyproto writes (and, for backends and tests, reads) PROXY
// protocol version 2 headers, which tell a TCP backend who the client is:
// its address and, in a TLV, the SPIFFE ID the proxy authenticated.
//
// The header the proxy sends carries, after the addresses:
//   - TLV 0x20 (PP2_TYPE_SSL): client flags PP2_CLIENT_SSL |
//     PP2_CLIENT_CERT_CONN (the client presented a certificate on this
//     connection), verify 0 (it verified), and sub-TLV 0x21
//     (PP2_SUBTYPE_SSL_VERSION) "TLSv1.3";
//   - TLV 0xE0 (TypeSPIFFEID, the first of the custom range
//     PP2_TYPE_MIN_CUSTOM..MAX_CUSTOM): the peer's SPIFFE ID, as UTF-8.
//
// See https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt.
package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
)

// Signature starts every version 2 header.
var Signature = []byte("\r\n\r\n\x00\r\nQUIT\n")

// TLV types used by the proxy.
const (
	TypeSSL           = 0x20
	SubtypeSSLVersion = 0x21
	TypeSPIFFEID      = 0xE0

	clientSSL      = 0x01
	clientCertConn = 0x02
)

// MaxHeader bounds a header (16 fixed bytes plus the 16-bit length).
const MaxHeader = 16 + 0xffff

// Header is what a PROXY v2 header says.
type Header struct {
	// Local is true for a LOCAL command (a health check from the proxy
	// itself, no addresses).
	Local bool
	// Source is the client, Destination the address it connected to.
	Source, Destination netip.AddrPort
	// SPIFFEID is the peer's authenticated ID ("" for none).
	SPIFFEID string
	// TLSVersion is the SSL TLV's version string ("" for no SSL TLV).
	TLSVersion string
}

// ErrHeader is wrapped by Parse's errors.
var ErrHeader = errors.New("bad PROXY v2 header")

// Append appends h's encoding to b. Source and Destination must both be
// IPv4 or both IPv6 (IPv4-mapped IPv6 addresses count as IPv4); otherwise the
// header says UNSPEC and carries no addresses.
func (h Header) Append(b []byte) []byte {
	b = append(b, Signature...)
	src, dst := h.Source.Addr().Unmap(), h.Destination.Addr().Unmap()
	var fam byte
	var addrs []byte
	switch {
	case h.Local:
	case src.Is4() && dst.Is4():
		fam = 0x11 // TCP over IPv4
		s, d := src.As4(), dst.As4()
		addrs = append(append(addrs, s[:]...), d[:]...)
		addrs = binary.BigEndian.AppendUint16(addrs, h.Source.Port())
		addrs = binary.BigEndian.AppendUint16(addrs, h.Destination.Port())
	case src.Is6() && dst.Is6():
		fam = 0x21 // TCP over IPv6
		s, d := src.As16(), dst.As16()
		addrs = append(append(addrs, s[:]...), d[:]...)
		addrs = binary.BigEndian.AppendUint16(addrs, h.Source.Port())
		addrs = binary.BigEndian.AppendUint16(addrs, h.Destination.Port())
	}
	var tlvs []byte
	if h.TLSVersion != "" {
		var ssl []byte
		ssl = append(ssl, clientSSL|clientCertConn)
		ssl = binary.BigEndian.AppendUint32(ssl, 0) // verify: 0 is success
		ssl = appendTLV(ssl, SubtypeSSLVersion, []byte(h.TLSVersion))
		tlvs = appendTLV(tlvs, TypeSSL, ssl)
	}
	if h.SPIFFEID != "" {
		tlvs = appendTLV(tlvs, TypeSPIFFEID, []byte(h.SPIFFEID))
	}
	cmd := byte(0x21) // version 2, PROXY
	if h.Local {
		cmd = 0x20
	}
	b = append(b, cmd, fam)
	b = binary.BigEndian.AppendUint16(b, uint16(len(addrs)+len(tlvs)))
	b = append(b, addrs...)
	return append(b, tlvs...)
}

func appendTLV(b []byte, typ byte, v []byte) []byte {
	b = append(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// Read reads one header from r (exactly its bytes, nothing after it).
func Read(r io.Reader) (*Header, error) {
	var fixed [16]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return nil, fmt.Errorf("read PROXY header: %w", err)
	}
	n := int(binary.BigEndian.Uint16(fixed[14:]))
	buf := make([]byte, 16+n)
	copy(buf, fixed[:])
	if _, err := io.ReadFull(r, buf[16:]); err != nil {
		return nil, fmt.Errorf("read PROXY header: %w", err)
	}
	h, _, err := Parse(buf)
	return h, err
}

// Parse reads a header at the start of data and returns it and its length.
func Parse(data []byte) (*Header, int, error) {
	if len(data) < 16 || !bytes.Equal(data[:12], Signature) {
		return nil, 0, fmt.Errorf("no v2 signature: %w", ErrHeader)
	}
	verCmd, fam := data[12], data[13]
	if verCmd>>4 != 2 {
		return nil, 0, fmt.Errorf("version %d: %w", verCmd>>4, ErrHeader)
	}
	n := int(binary.BigEndian.Uint16(data[14:16]))
	if len(data) < 16+n {
		return nil, 0, fmt.Errorf("truncated: %w", ErrHeader)
	}
	body := data[16 : 16+n]
	h := &Header{}
	switch verCmd & 0x0f {
	case 0:
		h.Local = true
	case 1:
	default:
		return nil, 0, fmt.Errorf("command %d: %w", verCmd&0x0f, ErrHeader)
	}
	var alen int
	switch fam {
	case 0x00:
	case 0x11, 0x12:
		alen = 12
	case 0x21, 0x22:
		alen = 36
	case 0x31, 0x32:
		alen = 216 // unix addresses: skipped
	default:
		return nil, 0, fmt.Errorf("address family 0x%02x: %w", fam, ErrHeader)
	}
	if len(body) < alen {
		return nil, 0, fmt.Errorf("addresses truncated: %w", ErrHeader)
	}
	switch alen {
	case 12:
		h.Source = netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[0:4])), binary.BigEndian.Uint16(body[8:10]))
		h.Destination = netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[4:8])), binary.BigEndian.Uint16(body[10:12]))
	case 36:
		h.Source = netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[0:16])), binary.BigEndian.Uint16(body[32:34]))
		h.Destination = netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[16:32])), binary.BigEndian.Uint16(body[34:36]))
	}
	tlvs := body[alen:]
	for len(tlvs) > 0 {
		typ, v, rest, err := nextTLV(tlvs)
		if err != nil {
			return nil, 0, err
		}
		tlvs = rest
		switch typ {
		case TypeSPIFFEID:
			h.SPIFFEID = string(v)
		case TypeSSL:
			if len(v) < 5 {
				return nil, 0, fmt.Errorf("SSL TLV truncated: %w", ErrHeader)
			}
			sub := v[5:]
			for len(sub) > 0 {
				st, sv, srest, err := nextTLV(sub)
				if err != nil {
					return nil, 0, err
				}
				sub = srest
				if st == SubtypeSSLVersion {
					h.TLSVersion = string(sv)
				}
			}
		}
	}
	return h, 16 + n, nil
}

func nextTLV(b []byte) (typ byte, v, rest []byte, err error) {
	if len(b) < 3 {
		return 0, nil, nil, fmt.Errorf("TLV truncated: %w", ErrHeader)
	}
	n := int(binary.BigEndian.Uint16(b[1:3]))
	if len(b) < 3+n {
		return 0, nil, nil, fmt.Errorf("TLV 0x%02x truncated: %w", b[0], ErrHeader)
	}
	return b[0], b[3 : 3+n], b[3+n:], nil
}

// AddrPort converts a TCP address to a netip.AddrPort (the zero value for
// other addresses).
func AddrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort()
	}
	return netip.AddrPort{}
}
