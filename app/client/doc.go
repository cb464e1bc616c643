// Package client talks to a Sovereign node's API for the sovereign
// command's subcommands (user, keys, audit, and the cluster, token and
// snapshot commands).
//
// It owns how a command finds and authenticates to a node: --server
// (SOVEREIGN_URL, default http://127.0.0.1:8080), a session token
// (SOVEREIGN_TOKEN) or --email/--password (SOVEREIGN_EMAIL, default
// admin@sovereign.local; SOVEREIGN_PASSWORD) exchanged for one at the first
// call, and --ca (SOVEREIGN_CA) pinning the cluster CA for HTTPS. It turns
// the API's JSON errors into messages that say what to do next.
//
// Usage:
//
//	client.BindFlags(cmd.PersistentFlags())   // once, on the command group
//	c, err := client.FromFlags(cmd)           // in RunE
//	err = c.Do(ctx, "GET", "/api/v1/sovereign/users", nil, &out)
//
// It never reads files other than the CA it is pointed at, and never
// prints anything itself.
package client
