package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// contractKeys are the fields of one app in GET /api/v1/sovereign/catalog,
// in order.
var contractKeys = []string{
	"id", "slug", "name", "title", "tagline", "description", "category", "family", "tier",
	"icon", "icon_bg", "featured", "popular", "free", "system", "deployable", "published",
	"visibility", "kind", "version", "depends",
}

// objectKeys returns the keys of a JSON object in the order they appear.
func objectKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func decodeList(t *testing.T, data []byte) []map[string]json.RawMessage {
	t.Helper()
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatalf("list is not a JSON array of objects: %v", err)
	}
	return list
}

func TestListJSONIsTheContractShape(t *testing.T) {
	c := loadPlatform(t)
	data := c.ListJSON(nil)
	if data[0] != '[' {
		t.Fatalf("list is not a bare array: %.40s", data)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != c.Len() {
		t.Fatalf("%d apps, want %d", len(raw), c.Len())
	}
	for _, app := range raw {
		if keys := objectKeys(t, app); !reflect.DeepEqual(keys, contractKeys) {
			t.Fatalf("keys = %v\nwant %v", keys, contractKeys)
		}
	}
	for _, app := range decodeList(t, data) {
		if app["depends"][0] != '[' {
			t.Errorf("%s: depends is %s, want a list", app["id"], app["depends"])
		}
	}
	var apps []App
	if err := json.Unmarshal(data, &apps); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(apps, c.Apps()) {
		t.Error("the list JSON and Apps() disagree")
	}
}

func TestAppDerivations(t *testing.T) {
	c := loadPlatform(t)
	get := func(name string) App {
		app, err := c.App(name)
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
	libre := get("librechat")
	want := App{
		ID: "bp-librechat", Slug: "librechat", Name: "LibreChat", Title: "LibreChat",
		Tagline: "Multi-LLM chat UI front-end.", Category: "application", Family: "application",
		Tier: "pts-4-7-application-tier-chat-ui", Icon: "librechat.svg", IconBg: libre.IconBg,
		Featured: true, Free: true, Deployable: true, Published: true,
		Visibility: "listed", Kind: "blueprint", Version: "1.0.0", Description: libre.Description,
		Depends: []string{"bp-llm-gateway", "bp-vllm", "bp-bge", "bp-keycloak"},
	}
	if !reflect.DeepEqual(libre, want) {
		t.Errorf("librechat =\n %+v\nwant\n %+v", libre, want)
	}
	alloy := get("bp-alloy") // v1 shape: family, no category, no visibility
	if alloy.Category != "observability" || alloy.Family != "insights" || !alloy.System ||
		alloy.Deployable || alloy.Published || alloy.Visibility != "unlisted" {
		t.Errorf("alloy = %+v", alloy)
	}
	if cm := get("cert-manager"); !cm.Popular || !cm.System || cm.Category != "security-and-policy" {
		t.Errorf("cert-manager = %+v", cm)
	}
	if get("cnpg").IconBg != get("valkey").IconBg { // both category data
		t.Error("one category, two icon colours")
	}
	if _, err := c.App("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown app: %v", err)
	}
}

func TestListJSONAppliesPublishOverrides(t *testing.T) {
	c := loadPlatform(t)
	before := append([]byte(nil), c.ListJSON(nil)...)
	overrides := map[string]bool{"librechat": false, "vpa": true, "not-there": true, "bge": true}
	list := decodeList(t, c.ListJSON(overrides))
	for _, app := range list {
		var slug string
		var published bool
		_ = json.Unmarshal(app["slug"], &slug)
		_ = json.Unmarshal(app["published"], &published)
		def, _ := c.App(slug)
		want := def.Published
		if v, ok := overrides[slug]; ok {
			want = v
		}
		if published != want {
			t.Errorf("%s published = %v, want %v", slug, published, want)
		}
	}
	if !bytes.Equal(c.ListJSON(nil), before) {
		t.Error("applying overrides changed the default list")
	}
	if !bytes.Equal(c.AppendListJSON(nil, overrides), c.ListJSON(overrides)) {
		t.Error("AppendListJSON and ListJSON disagree")
	}
	// Overrides that match the defaults serve the precomputed list.
	same := map[string]bool{"librechat": true, "vpa": false}
	if got := c.ListJSON(same); &got[0] != &c.ListJSON(nil)[0] {
		t.Error("no-op overrides did not serve the precomputed list")
	}
}

func TestDetailJSON(t *testing.T) {
	c := loadPlatform(t)
	data, err := c.DetailJSON("librechat", map[string]bool{"librechat": false})
	if err != nil {
		t.Fatal(err)
	}
	keys := objectKeys(t, data)
	if !reflect.DeepEqual(keys[:len(contractKeys)], contractKeys) {
		t.Errorf("detail does not start with the app's fields: %v", keys)
	}
	var d struct {
		Published    bool           `json:"published"`
		Card         cardJSON       `json:"card"`
		ConfigSchema map[string]any `json:"config_schema"`
		Placement    placementJSON  `json:"placement"`
		Dependencies []dependencyJSON
		Tree         *Node    `json:"tree"`
		Dependents   []string `json:"dependents"`
		InstallOrder []string `json:"install_order"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	if d.Published {
		t.Error("override not applied to the detail")
	}
	if d.Card.License != "MIT" || d.Card.Docs != "https://www.librechat.ai/docs" || len(d.Card.Tags) != 6 {
		t.Errorf("card = %+v", d.Card)
	}
	if d.ConfigSchema["type"] != "object" {
		t.Errorf("config schema = %v", d.ConfigSchema)
	}
	if !reflect.DeepEqual(d.Placement.Modes, []string{"single-region", "active-active"}) || d.Placement.Default != "single-region" {
		t.Errorf("placement = %+v", d.Placement)
	}
	if len(d.Dependencies) != 4 || d.Dependencies[3] != (dependencyJSON{"bp-keycloak", "keycloak", "^1.1", "idp", "1.1.2"}) {
		t.Errorf("dependencies = %+v", d.Dependencies)
	}
	if findPath(d.Tree, "bp-knative") == nil || d.Dependents == nil || len(d.Dependents) != 0 {
		t.Errorf("tree %v dependents %#v", d.Tree, d.Dependents)
	}
	if want, _ := c.InstallOrder("librechat"); !reflect.DeepEqual(d.InstallOrder, want) {
		t.Errorf("install order = %v", d.InstallOrder)
	}
	if _, err := c.DetailJSON("bp-nope", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown slug: %v", err)
	}
	if same, _ := c.DetailJSON("bp-librechat", map[string]bool{"librechat": false}); !bytes.Equal(same, data) {
		t.Error("slug and full name give different details")
	}
}
