// Package catalog reads Blueprint catalogs, resolves their dependencies and
// prepares what the console API serves about them.
//
// # Files
//
// A catalog is a folder of <name>/blueprint.yaml files, the layout of
// OpenOva's platform/ folder and of the default catalog compiled into the
// binary (package embed). [Read] parses one file; [Load], [LoadDir] and
// [Default] read a whole catalog and refuse it, with a [*LoadError] that
// lists every problem, unless every file is valid and every dependency
// resolves.
//
// The reader accepts both shapes found in the wild (apiVersion
// catalyst.openova.io/v1alpha1 and catalyst.openova.io/v1), names with or
// without the "bp-" prefix (kept canonical with it), both forms of a
// dependency (a bare "- bp-x", or "- blueprint: bp-x" with an optional
// "version" range and "alias"), and files that leave optional fields out.
// Version ranges are those of github.com/Masterminds/semver/v3 (^1.0, ~1.2,
// >=1.0 <2.0, 1.x, ...); a dependency without one accepts any version.
// card.documentation is read as card.docs. YAML is read as YAML 1.2, so
// "Off" in a schema stays a string.
//
// An unknown field is kept (Blueprint.Extra, and the detail JSON's "extra")
// and reported as a [Warning], never as an error. An invalid file gives a
// [*FileError] whose [*FieldError] values each name the file, the line, the
// field path ("spec.depends[2].version"), what was expected and what was
// found. A broken dependency gives a [*DependencyError] (missing, or the
// range that failed against the version the catalog holds), a loop a
// [*CycleError] with its path ("bp-a -> bp-b -> bp-a"); both point at the
// depends entry in the file. errors.Is matches them against ErrInvalidFile,
// ErrMissingDependency, ErrUnsatisfiedRange, ErrCycle and ErrNotFound.
//
// The reader never panics and bounds its work: files over 1 MiB, more than
// 20,000 YAML nodes once aliases are expanded, or nesting deeper than 64
// levels are refused.
//
// # Resolution
//
// A catalog holds one version of each Blueprint, so resolving is checking
// each edge's range against that version. [Catalog.Tree] gives the full
// tree of a Blueprint (a Blueprint met a second time is marked Repeat rather
// than expanded again), [Catalog.Dependents] and [Catalog.AllDependents] the
// reverse edges, and [Catalog.InstallOrder] a topological order: every
// Blueprint after its dependencies and, among those free to go next, the
// smallest name first, so the order depends on nothing but the content.
//
// [Catalog.Digest] is "sha256:" and the hex SHA-256 of the catalog's
// canonical content: each Blueprint, sorted by name, encoded as JSON with
// sorted keys and empty lists and mappings treated as absent. Comments,
// layout, key order, folder names and load order do not change it.
//
// # Console API
//
// [Catalog.ListJSON] is GET /api/v1/sovereign/catalog and
// [Catalog.DetailJSON] is GET /api/v1/sovereign/catalog/{slug}. Both are
// encoded once at load; publish overrides (slug to bool, held in the
// replicated store) are applied by copying precomputed pieces, not by
// encoding again. Each app is derived from its Blueprint as follows:
//
//   - id is the canonical name ("bp-cnpg"); slug is the name without
//     "bp-" ("cnpg"); name and title are card.title, or the slug.
//   - tagline is the first sentence of card.summary (else
//     card.description), on one line, at most 160 characters; description
//     is card.description (else card.summary) on one line.
//   - category is card.category, else the catalyst.openova.io/category
//     label, else the topic of the section label ("pts-3-3-security-and-
//     policy" gives "security-and-policy"), else "other". family is
//     card.family, else the category. tier is the section label as written.
//   - icon is card.icon; icon_bg is a soft colour from a fixed palette,
//     the same for every Blueprint of a category.
//   - system is true for the platform layer: the umbrella bp-catalyst-
//     platform, everything it needs, and every unlisted Blueprint (a file
//     without visibility is unlisted: the platform installs those itself).
//   - deployable is true when a person may install it: not system, and
//     spec.manifests says what to install.
//   - published defaults to visibility == listed; an override replaces it.
//   - featured is true for listed Blueprints of category "application";
//     popular when at least three Blueprints depend on it directly; free
//     is always true (the format carries no price).
//   - kind is "umbrella" for bp-catalyst-platform, "blueprint" otherwise;
//     version is spec.version; depends lists the direct dependencies'
//     canonical names.
//
// The package must never reach outside the files it is given: no network,
// no environment, no global state.
package catalog
