package app

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/embed/catalog"
	"github.com/openova-io/sovereign/storage"
)

// Publish decisions are one record in the settings bucket: a map from slug
// to published. The list served with them applied is cached under the
// record's Raft index, so a GET costs a record lookup and a copy.

var publishKey = []byte("catalog-publish")

type catalogList struct {
	mod  uint64
	json []byte
}

// readPublish returns the publish overrides, their record's index and
// version.
func (cs *console) readPublish() (map[string]bool, storage.Record, error) {
	rec, ok, err := cs.s.opts.Store.Get(storage.BucketSettings, publishKey)
	if err != nil || !ok {
		return map[string]bool{}, storage.Record{}, err
	}
	overrides := map[string]bool{}
	if err := json.Unmarshal(rec.Value, &overrides); err != nil {
		return map[string]bool{}, storage.Record{}, fmt.Errorf("catalog publish decisions: %w", err)
	}
	return overrides, rec, nil
}

// listCatalog is GET /api/v1/sovereign/catalog: a bare array of apps. It
// reads the publish decisions from this node's state without a barrier
// (deliberately stale: the catalog is the console's busiest read and a
// publish switch reaches every node within its replication lag).
func (cs *console) listCatalog(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	cat := cs.opts.Catalog
	if cat == nil {
		return c.SendString("[]")
	}
	rec, ok, err := cs.s.opts.Store.Get(storage.BucketSettings, publishKey)
	if err != nil {
		cs.markDegraded(c, degradedUnreadable, err)
		return c.Send(cat.ListJSON(nil))
	}
	if !ok {
		return c.Send(cat.ListJSON(nil))
	}
	if cached := cs.catalog.Load(); cached != nil && cached.mod == rec.ModIndex {
		return c.Send(cached.json)
	}
	overrides := map[string]bool{}
	if err := json.Unmarshal(rec.Value, &overrides); err != nil {
		cs.markDegraded(c, degradedUnreadable, err)
		return c.Send(cat.ListJSON(nil))
	}
	list := &catalogList{mod: rec.ModIndex, json: cat.ListJSON(overrides)}
	cs.catalog.Store(list)
	return c.Send(list.json)
}

// catalogDetail is GET /api/v1/sovereign/catalog/{slug}.
func (cs *console) catalogDetail(c *fiber.Ctx) error {
	cat := cs.opts.Catalog
	if cat == nil {
		return fiber.NewError(fiber.StatusNotFound, "no catalog is loaded")
	}
	overrides, _, err := cs.readPublish()
	if err != nil {
		cs.markDegraded(c, degradedUnreadable, err)
	}
	data, err := cat.DetailJSON(c.Params("slug"), overrides)
	if errors.Is(err, catalog.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, err.Error())
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(data)
}

// publish is PATCH /api/v1/sovereign/catalog/{slug}/publish?value=true|false.
func (cs *console) publish(c *fiber.Ctx) error {
	cat := cs.opts.Catalog
	if cat == nil {
		return fiber.NewError(fiber.StatusNotFound, "no catalog is loaded")
	}
	var value bool
	switch c.Query("value") {
	case "true":
		value = true
	case "false":
	case "":
		return badField("value", "required: ?value=true or ?value=false")
	default:
		return badField("value", "%q: use true or false", c.Query("value"))
	}
	app, err := cat.App(c.Params("slug"))
	if errors.Is(err, catalog.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, err.Error())
	}
	if err != nil {
		return err
	}
	err = cs.commit(c, sessionOf(c).Email, func() (change, error) {
		overrides, rec, err := cs.readPublish()
		if err != nil {
			return change{}, err
		}
		overrides[app.Slug] = value
		data, err := json.Marshal(overrides)
		if err != nil {
			return change{}, err
		}
		put := storage.Put(storage.BucketSettings, publishKey, data)
		put.Expect = int64(rec.Version)
		return change{ops: []storage.Command{put}, action: "catalog.publish", target: fmt.Sprintf("catalog/%s published=%t", app.Slug, value)}, nil
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"slug": app.Slug, "published": value})
}
