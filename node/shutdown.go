package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
)

// shutdownBudget bounds an orderly stop: drain, stop Raft, close the file.
const shutdownBudget = 10 * time.Second

// shutdown stops the node in order: the services stop taking requests and
// drain those in flight (half the budget), then Raft stops, then the state
// file closes. Past the budget it gives up: the Raft log holds every
// acknowledged write, so the next start recovers.
func shutdown(services []service, node *raftnode.Node, store *storage.Store, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownBudget)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		var errs []error
		t := time.Now()
		drain, cancelDrain := context.WithTimeout(ctx, shutdownBudget/2)
		for _, s := range services {
			if err := s.shutdown(drain); err != nil {
				errs = append(errs, fmt.Errorf("stop %s: %w", s.name, err))
			}
		}
		cancelDrain()
		logger.Info("stopped serving requests", "took", time.Since(t).String())
		t = time.Now()
		errs = append(errs, node.Close())
		logger.Info("stopped raft", "took", time.Since(t).String())
		errs = append(errs, store.Close())
		done <- errors.Join(errs...)
	}()
	select {
	case err := <-done:
		if err != nil {
			logger.Error("stopped with errors", "error", err)
			return err
		}
		logger.Info("stopped")
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shutdown took longer than %s; the Raft log holds every acknowledged write, so the next start recovers", shutdownBudget)
	}
}
