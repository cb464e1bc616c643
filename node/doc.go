// Package node runs a Sovereign node's life, start to stop: it locks the
// data directory, settles the node's identity on its first start
// (bootstrap a new cluster, join one, or restore one from a snapshot),
// opens the state file and the Raft member, starts the node's services on
// their listeners (the HTTP console and API today), tells the operator how
// to sign in, and stops everything in order.
//
// It owns the order of these steps and nothing of what they do: the
// cluster's mechanics and identity are package raftnode's, the state file
// package storage's, the served surfaces package app's. Config is what
// `sovereign serve` is told; package cmd fills it from flags, the
// environment and a file, and makes one call here.
//
// A service that listens on its own address (an etcd endpoint, a registry)
// joins the node in services.go: open its listener in openServices and
// return it as one more service; Run serves each and stops each in order.
package node
