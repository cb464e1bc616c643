package catalog

import (
	"reflect"
	"testing"
)

// bootstrapKit is the platform layer every Sovereign installs first.
var bootstrapKit = []string{
	"bp-cilium", "bp-cert-manager", "bp-flux", "bp-crossplane", "bp-sealed-secrets",
	"bp-spire", "bp-nats-jetstream", "bp-openbao", "bp-keycloak", "bp-gitea",
	"bp-powerdns", "bp-external-dns",
}

func loadDefault(t testing.TB) *Catalog {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("the embedded catalog does not load: %v", err)
	}
	return c
}

func TestDefaultCatalogLoadsAndResolves(t *testing.T) {
	c := loadDefault(t)
	for _, w := range c.Warnings() {
		t.Errorf("warning: %s", w)
	}
	if c.Len() != 50 {
		t.Errorf("%d Blueprints, want 50: OpenOva's 48, bp-external-dns and the umbrella", c.Len())
	}
	for _, name := range bootstrapKit {
		app, err := c.App(name)
		if err != nil {
			t.Errorf("bootstrap kit: %v", err)
			continue
		}
		if !app.System || app.Deployable {
			t.Errorf("%s: system %v deployable %v", name, app.System, app.Deployable)
		}
	}
	for _, app := range c.Apps() {
		if app.Tagline == "" || app.Description == "" {
			t.Errorf("%s has no tagline or description", app.ID)
		}
	}
}

func TestDefaultUmbrellaInstallsTheFirstTen(t *testing.T) {
	c := loadDefault(t)
	umbrella, err := c.Get(Umbrella)
	if err != nil {
		t.Fatal(err)
	}
	var deps []string
	for _, d := range umbrella.Depends {
		deps = append(deps, d.Name)
	}
	if !reflect.DeepEqual(deps, bootstrapKit[:10]) {
		t.Errorf("umbrella depends on %v, want %v", deps, bootstrapKit[:10])
	}
	order, _ := c.InstallOrder(Umbrella)
	if len(order) != 11 || order[10] != Umbrella {
		t.Errorf("install order = %v", order)
	}
	if app, _ := c.App(Umbrella); app.Kind != "umbrella" || !app.System {
		t.Errorf("umbrella app = %+v", app)
	}
	if deps, _ := c.Dependencies("external-dns"); !reflect.DeepEqual(deps, []string{"bp-cert-manager", "bp-powerdns"}) {
		t.Errorf("external-dns needs %v", deps)
	}
}

// TestDefaultCatalogMatchesOpenOvaFacts: the embedded catalog carries the
// real names, versions, labels, categories and dependency edges of
// OpenOva's Blueprints, in words of its own.
func TestDefaultCatalogMatchesOpenOvaFacts(t *testing.T) {
	ours := loadDefault(t)
	theirs := loadPlatform(t)
	for _, want := range theirs.Blueprints() {
		got, err := ours.Get(want.Name)
		if err != nil {
			t.Errorf("missing from the default catalog: %s", want.Name)
			continue
		}
		if !got.Version.Equal(want.Version) || got.APIVersion != want.APIVersion || got.Visibility != want.Visibility {
			t.Errorf("%s: %s %s %s, want %s %s %s", want.Name, got.Version, got.APIVersion, got.Visibility,
				want.Version, want.APIVersion, want.Visibility)
		}
		if !reflect.DeepEqual(got.Labels, want.Labels) {
			t.Errorf("%s: labels %v, want %v", want.Name, got.Labels, want.Labels)
		}
		g, w := got.Card, want.Card
		if g.Title != w.Title || g.Category != w.Category || g.Family != w.Family || g.Icon != w.Icon || g.Docs != w.Docs {
			t.Errorf("%s: card facts %+v, want %+v", want.Name, g, w)
		}
		if !reflect.DeepEqual(edges(got), edges(want)) {
			t.Errorf("%s: depends %v, want %v", want.Name, edges(got), edges(want))
		}
		if !reflect.DeepEqual(got.Placement, want.Placement) {
			t.Errorf("%s: placement %+v, want %+v", want.Name, got.Placement, want.Placement)
		}
		if (w.Summary != "" && g.Summary == w.Summary) || (w.Description != "" && g.Description == w.Description) {
			t.Errorf("%s: card text copied rather than written for Sovereign", want.Name)
		}
	}
}

// edges lists a Blueprint's dependencies as "name range alias".
func edges(bp *Blueprint) []string {
	out := []string{}
	for _, d := range bp.Depends {
		out = append(out, d.Name+" "+d.Range+" "+d.Alias)
	}
	return out
}
