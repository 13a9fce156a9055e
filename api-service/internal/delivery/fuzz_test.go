package delivery

import "testing"

// FuzzParse feeds request paths and query strings to every parser of
// outside input: none may panic, and what they accept must be usable.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"fetch=children:/&filter=mediaType:Image&filter=name:size&sort=name:asc&skip=0&take=10",
		"fetch=CHILDREN:eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee&sort=createDate:desc&sort=name:ASC",
		"fields=properties[altText,credit[properties[$all]]]&expand=properties[$all]",
		"fields=properties[]&skip=0x1A&take=%23ff&id=%zz",
		"root%20level%20folder%2Fchild%20folder%2F",
		"a%252Fb+c/%7Beeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee%7D",
		"a]b[c", "[", "%", "&&==&",
		"fetch=children:/&filter%5B0%5D=mediaType:Image&filter%5B1%5D=name:size&sort[1]=name:asc&sort[0]=createDate:desc",
		"id[]=eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee&id[5]=x&id[x]=y&filter[0][k]=v&sort[=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref := parseItemRef(s)
		if ref.key != "" && len(ref.key) != 36 {
			t.Fatalf("key %q", ref.key)
		}
		for _, n := range ref.names {
			if n == "" {
				t.Fatal("empty name")
			}
		}
		ps := parseParams(s)
		if q, p := parseQuery(ps); p == nil {
			for _, k := range q.sort {
				if k.Field == "" {
					t.Fatal("empty sort field")
				}
			}
		}
		if sh, p := parseShaping(ps); p == nil {
			sh.keeps("altText")
		}
		for _, name := range []string{"id", "filter", "sort"} {
			if n := len(ps.list(name)); n > len(ps) {
				t.Fatalf("%s: %d values from %d parameters", name, n, len(ps))
			}
		}
		_, _ = bindInt(ps, "skip", 0)
		_, _ = parseGUID(s)
	})
}
