package vuln

import "testing"

func TestCVSSScore(t *testing.T) {
	tests := []struct {
		vector  string
		want    float64
		rating  string
		wantErr bool
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL", false},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "CRITICAL", false},
		{"CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, "MEDIUM", false},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, "HIGH", false},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4, "MEDIUM", false},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "HIGH", false},
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, "LOW", false},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, "NONE", false},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, "HIGH", false},
		{"AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3, "MEDIUM", false},
		{"(AV:N/AC:L/Au:N/C:C/I:C/A:C)", 10.0, "HIGH", false},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", 0, "", true},
		{"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0, "", true},
		{"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0, "", true},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 0, "", true},
		{"garbage", 0, "", true},
	}
	for _, tt := range tests {
		got, version, err := CVSSScore(tt.vector)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("CVSSScore(%q) = %v, %v, want %v (error %v)", tt.vector, got, err, tt.want, tt.wantErr)
		}
		if err == nil && Rating(got, version) != tt.rating {
			t.Errorf("Rating(CVSSScore(%q)) = %s, want %s", tt.vector, Rating(got, version), tt.rating)
		}
	}
}
