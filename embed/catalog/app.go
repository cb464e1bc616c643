package catalog

import (
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Umbrella is the Blueprint whose install brings up the Sovereign's
// platform layer. It and everything it needs are system Blueprints.
const Umbrella = "bp-catalyst-platform"

// App is a Blueprint as the console's catalog shows it: one element of
// GET /api/v1/sovereign/catalog. Field names and order are the wire
// contract. How each field is derived is described in the package
// documentation.
type App struct {
	ID          string   `json:"id"`
	Slug        string   `json:"slug"`
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	Tagline     string   `json:"tagline"`
	Description string   `json:"description"`
	Category    string   `json:"category"`
	Family      string   `json:"family"`
	Tier        string   `json:"tier"`
	Icon        string   `json:"icon"`
	IconBg      string   `json:"icon_bg"`
	Featured    bool     `json:"featured"`
	Popular     bool     `json:"popular"`
	Free        bool     `json:"free"`
	System      bool     `json:"system"`
	Deployable  bool     `json:"deployable"`
	Published   bool     `json:"published"`
	Visibility  string   `json:"visibility"`
	Kind        string   `json:"kind"`
	Version     string   `json:"version"`
	Depends     []string `json:"depends"`
}

// popularAt is how many Blueprints must depend on one directly for it to
// count as popular.
const popularAt = 3

// iconBackgrounds are soft colours behind icons; every Blueprint of a
// category gets the same one.
var iconBackgrounds = []string{
	"#E0F2FE", "#DCFCE7", "#FEF3C7", "#FCE7F3", "#EDE9FE",
	"#FFE4E6", "#CCFBF1", "#E0E7FF", "#FAE8FF", "#F1F5F9",
}

// newApp derives the console's view of bp. system is whether bp belongs to
// the platform layer; dependents is how many Blueprints need it directly.
func newApp(bp *Blueprint, system bool, dependents int) App {
	c := bp.Card
	title := c.Title
	if title == "" {
		title = bp.Slug()
	}
	category := firstOf(c.Category, bp.Labels[LabelCategory], sectionTopic(bp.Section()), "other")
	kind := "blueprint"
	if bp.Name == Umbrella {
		kind = "umbrella"
	}
	depends := make([]string, len(bp.Depends))
	for i, d := range bp.Depends {
		depends[i] = d.Name
	}
	return App{
		ID:          bp.Name,
		Slug:        bp.Slug(),
		Name:        title,
		Title:       title,
		Tagline:     tagline(firstOf(c.Summary, c.Description)),
		Description: collapse(firstOf(c.Description, c.Summary)),
		Category:    category,
		Family:      firstOf(c.Family, category),
		Tier:        bp.Section(),
		Icon:        c.Icon,
		IconBg:      iconBackground(category),
		Featured:    bp.Visibility == Listed && category == "application",
		Popular:     dependents >= popularAt,
		Free:        true,
		System:      system,
		Deployable:  !system && len(bp.Manifests) > 0,
		Published:   bp.Visibility == Listed,
		Visibility:  string(bp.Visibility),
		Kind:        kind,
		Version:     bp.Version.String(),
		Depends:     depends,
	}
}

// firstOf returns the first non-empty string.
func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// sectionTopic turns a section label into a category:
// "pts-3-3-security-and-policy" becomes "security-and-policy".
func sectionTopic(section string) string {
	parts := strings.Split(section, "-")
	i := 0
	if len(parts) > 0 && parts[0] == "pts" {
		i = 1
	}
	for i < len(parts) && parts[i] != "" && strings.Trim(parts[i], "0123456789") == "" {
		i++
	}
	return strings.Join(parts[i:], "-")
}

func iconBackground(category string) string {
	h := fnv.New32a()
	h.Write([]byte(category))
	return iconBackgrounds[h.Sum32()%uint32(len(iconBackgrounds))]
}

// collapse joins the words of s with single spaces: YAML block text keeps
// its line breaks, a card shows one paragraph.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// taglineMax is the most runes a tagline holds.
const taglineMax = 160

// tagline is the first sentence of s, cut to taglineMax runes.
func tagline(s string) string {
	s = firstSentence(collapse(s))
	if utf8.RuneCountInString(s) <= taglineMax {
		return s
	}
	runes := []rune(s)[:taglineMax-1]
	cut := len(runes)
	for cut > taglineMax/2 && !unicode.IsSpace(runes[cut-1]) {
		cut--
	}
	return strings.TrimRightFunc(string(runes[:cut]), unicode.IsSpace) + "…"
}

// abbreviations end in a full stop without ending the sentence.
var abbreviations = map[string]bool{"e.g": true, "i.e": true, "etc": true, "vs": true, "approx": true}

// firstSentence returns s up to and including the first full stop that is
// followed by a space and does not end an abbreviation.
func firstSentence(s string) string {
	from := 0
	for {
		i := strings.Index(s[from:], ". ")
		if i < 0 {
			return s
		}
		end := from + i
		word := s[strings.LastIndexByte(s[:end], ' ')+1 : end]
		if !abbreviations[strings.ToLower(strings.TrimLeft(word, "("))] {
			return s[:end+1]
		}
		from = end + 2
	}
}
