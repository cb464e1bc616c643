package catalog

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
)

// These tests read OpenOva's own platform/ folder: 48 real files in both
// shapes, written by someone else.

func TestPlatformLoadsEveryFile(t *testing.T) {
	c := loadPlatform(t)
	files, err := filepath.Glob(filepath.Join(openovaPlatform, "*", FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 48 {
		t.Fatalf("test data holds %d Blueprint files, want 48", len(files))
	}
	if c.Len() != len(files) {
		t.Fatalf("catalog holds %d Blueprints, want %d", c.Len(), len(files))
	}
	for _, w := range c.Warnings() {
		t.Errorf("unexpected warning: %s", w)
	}
	shapes := map[string]int{}
	bare := 0
	for _, bp := range c.Blueprints() {
		shapes[bp.APIVersion]++
		if bp.Version == nil {
			t.Errorf("%s: no version", bp.Name)
		}
		for _, d := range bp.Depends {
			if d.Range == anyVersion {
				bare++
			}
		}
	}
	if shapes[APIVersionV1] != 19 || shapes[APIVersionV1Alpha1] != 29 {
		t.Errorf("shapes = %v, want 19 v1 and 29 v1alpha1", shapes)
	}
	if bare != 3 { // crossplane-claims, cert-manager-dynadot-webhook, powerdns
		t.Errorf("%d bare dependencies, want 3", bare)
	}
}

func TestPlatformNamesWithoutPrefixAreCanonical(t *testing.T) {
	c := loadPlatform(t)
	bp, err := c.Get("alloy") // the file says "name: alloy"
	if err != nil {
		t.Fatal(err)
	}
	if bp.Name != "bp-alloy" || bp.Slug() != "alloy" {
		t.Errorf("name %q slug %q, want bp-alloy and alloy", bp.Name, bp.Slug())
	}
	if bp.Visibility != Unlisted {
		t.Errorf("alloy has no visibility; got %q, want unlisted", bp.Visibility)
	}
	if bp.Card.Family != "insights" || bp.Card.Docs == "" {
		t.Errorf("alloy card = %+v", bp.Card)
	}
}

func TestPlatformLibreChatTree(t *testing.T) {
	c := loadPlatform(t)
	tree, err := c.Tree("bp-librechat")
	if err != nil {
		t.Fatal(err)
	}
	// The direct dependencies, with the ranges and aliases of the file.
	var direct []string
	for _, n := range tree.Depends {
		direct = append(direct, n.Name+" "+n.Range+" "+n.Alias)
	}
	want := []string{"bp-llm-gateway ^1.0 gateway", "bp-vllm ^1.0 vllm", "bp-bge ^1.0 bge", "bp-keycloak ^1.1 idp"}
	if !reflect.DeepEqual(direct, want) {
		t.Errorf("direct dependencies = %q, want %q", direct, want)
	}
	// LibreChat reaches Knative through vLLM and KServe.
	if path := findPath(tree, "bp-knative"); !reflect.DeepEqual(path,
		[]string{"bp-librechat", "bp-vllm", "bp-kserve", "bp-knative"}) {
		t.Errorf("path to bp-knative = %v", path)
	}
	// The whole tree, every Blueprint once.
	all, err := c.Dependencies("librechat")
	if err != nil {
		t.Fatal(err)
	}
	wantOrder := []string{
		"bp-cert-manager", "bp-cilium", "bp-flux", "bp-cnpg", "bp-bge", "bp-keycloak",
		"bp-knative", "bp-kserve", "bp-openbao", "bp-external-secrets", "bp-llm-gateway", "bp-vllm",
	}
	if !reflect.DeepEqual(all, wantOrder) {
		t.Errorf("dependencies of librechat in install order =\n %v\nwant\n %v", all, wantOrder)
	}
	if got := countNodes(tree, false); got != len(wantOrder)+1 {
		t.Errorf("tree expands %d Blueprints, want %d (repeats not expanded)", got, len(wantOrder)+1)
	}
}

// findPath returns the names from the root to the first node called name.
func findPath(n *Node, name string) []string {
	if n.Name == name {
		return []string{name}
	}
	for _, child := range n.Depends {
		if p := findPath(child, name); p != nil {
			return append([]string{n.Name}, p...)
		}
	}
	return nil
}

// countNodes counts the nodes of a tree, with or without the repeats.
func countNodes(n *Node, repeats bool) int {
	count := 0
	if repeats || !n.Repeat {
		count = 1
	}
	for _, child := range n.Depends {
		count += countNodes(child, repeats)
	}
	return count
}

func TestPlatformInstallOrderPutsDependenciesFirst(t *testing.T) {
	c := loadPlatform(t)
	check := func(what string, order []string) {
		t.Helper()
		at := map[string]int{}
		for i, name := range order {
			at[name] = i
		}
		for _, name := range order {
			bp, _ := c.Get(name)
			for _, d := range bp.Depends {
				pos, ok := at[d.Name]
				if !ok || pos >= at[name] {
					t.Errorf("%s: %s comes before its dependency %s", what, name, d.Name)
				}
			}
		}
	}
	check("whole catalog", c.Order())
	if len(c.Order()) != c.Len() {
		t.Errorf("order has %d names, want %d", len(c.Order()), c.Len())
	}
	for _, name := range c.Names() {
		order, err := c.InstallOrder(name)
		if err != nil {
			t.Fatal(err)
		}
		if order[len(order)-1] != name {
			t.Errorf("install order of %s ends with %s", name, order[len(order)-1])
		}
		check(name, order)
	}
}

func TestPlatformDependents(t *testing.T) {
	c := loadPlatform(t)
	got, err := c.Dependents("cert-manager")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"bp-cert-manager-dynadot-webhook", "bp-external-secrets", "bp-harbor", "bp-knative", "bp-kserve",
		"bp-livekit", "bp-matrix", "bp-openmeter", "bp-powerdns", "bp-seaweedfs", "bp-stunner", "bp-temporal",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dependents of cert-manager =\n %v\nwant\n %v", got, want)
	}
	all, _ := c.AllDependents("bp-knative")
	wantAll := []string{"bp-kserve", "bp-librechat", "bp-nemo-guardrails", "bp-vllm"}
	if !reflect.DeepEqual(all, wantAll) {
		t.Errorf("everything that needs knative = %v, want %v", all, wantAll)
	}
	if got, _ := c.Dependents("librechat"); len(got) != 0 || got == nil {
		t.Errorf("dependents of librechat = %#v, want an empty list", got)
	}
}

func TestPlatformDigestIgnoresLoadOrderAndFolders(t *testing.T) {
	c := loadPlatform(t)
	// The same files under folder names that sort the other way round.
	fsys := fstest.MapFS{}
	for i, bp := range c.Blueprints() {
		data, err := os.ReadFile(bp.File)
		if err != nil {
			t.Fatal(err)
		}
		folder := string(rune('z'-i%26)) + bp.Slug()
		fsys[folder+"/"+FileName] = &fstest.MapFile{Data: data}
	}
	moved, err := Load(fsys, "moved")
	if err != nil {
		t.Fatal(err)
	}
	if moved.Digest() != c.Digest() {
		t.Errorf("digest changed with folder names: %s != %s", moved.Digest(), c.Digest())
	}
	again := loadPlatform(t)
	if again.Digest() != c.Digest() {
		t.Error("digest differs between two loads of the same folder")
	}
}
