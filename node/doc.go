// Package node runs a Sovereign node's life, start to stop: it locks the
// data directory, settles the node's identity on its first start
// (bootstrap a new cluster, join one, or restore one from a snapshot),
// opens the state file and the Raft member, starts the node's services on
// their listeners (the HTTP console and API, the etcd endpoint, the
// registry), tells the operator how to sign in, and stops everything in
// order.
//
// It owns the order of these steps and nothing of what they do: the
// cluster's mechanics and identity are package raftnode's, the state file
// package storage's, the served surfaces package app's. Config is what
// `sovereign serve` is told; package cmd fills it from flags, the
// environment and a file, and makes one call here.
//
// A service that listens on an address of its own joins the node in a few
// lines: a file that opens its listener and returns it as a service
// (services.go; etcd.go and registry.go are two), and one append in Run.
// Run serves every service's listeners and stops the services in order,
// before Raft, in shutdown.go.
package node
