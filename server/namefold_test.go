package server

import (
	"net/url"
	"strings"
	"testing"
)

// A minority name is found whichever way the separator is typed: ·, a
// look-alike, a space, a dash or nothing (break-it F2, F4). The number is
// the key; a different name is still not found.
func TestNameLookupSeparatorForms(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.LookupPerMinute = 1000 })
	nums := f.issueNames(t, "阿依古丽｡买买提")
	for _, name := range []string{"阿依古丽·买买提", "阿依古丽 买买提", "阿依古丽买买提", "阿依古丽\u3000买买提", "阿依古丽｡买买提", "阿依古丽。买买提",
		"阿依古丽˙买买提", "阿依古丽-买买提", "阿依古丽—买买提", "阿依古丽－买买提", "阿依古丽ー买买提"} {
		w := f.do("GET", "/api/v1/certificates/"+nums[0]+"?name="+url.QueryEscape(name))
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"valid"`) {
			t.Errorf("API %+q: %d %s", name, w.Code, w.Body)
		}
		w = f.postForm("/v/lookup", url.Values{"number": {nums[0]}, "name": {name}}.Encode())
		if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" {
			t.Errorf("page %+q: %d", name, w.Code)
		}
	}
	for _, name := range []string{"阿依古丽·买买", "阿依古·买买提", "买买提·阿依古丽"} {
		if w := f.do("GET", "/api/v1/certificates/"+nums[0]+"?name="+url.QueryEscape(name)); w.Code != 404 {
			t.Errorf("API %+q: %d", name, w.Code)
		}
	}
}
