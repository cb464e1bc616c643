package identity

import "testing"

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword(h, "correct horse battery staple"); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := VerifyPassword(h, "correct horse battery stapler"); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AA$AA"} {
		if ok, err := VerifyPassword(bad, "x"); ok || err == nil {
			t.Errorf("hash %q: ok %v err %v", bad, ok, err)
		}
	}
}

func TestChecks(t *testing.T) {
	for _, e := range []string{"a@example.org", "first.last+tag@sub.example.org"} {
		if err := CheckEmail(e); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
	for _, e := range []string{"", "a", "A <a@example.org>", "a@", "@example.org"} {
		if CheckEmail(e) == nil {
			t.Errorf("%q accepted", e)
		}
	}
	if CheckPassword("short") == nil || CheckPassword(string(make([]byte, MaxPasswordLen+1))) == nil || CheckPassword("twelve chars") != nil {
		t.Error("password length bounds")
	}
	for _, r := range Roles {
		if !ValidRole(r) {
			t.Errorf("%s", r)
		}
	}
	if ValidRole("root") || ValidRole("") {
		t.Error("unknown role accepted")
	}
	if NormalizeEmail("  Admin@Example.ORG ") != "admin@example.org" {
		t.Error("normalize")
	}
}
