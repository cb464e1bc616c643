package bundle

import (
	"fmt"
)

// systemdUnit is the service that runs the installed binary. It runs as root
// (the data folder is root's, mode 0700) but with no capability beyond
// binding low ports, a read-only view of the system except the data folder,
// and no way to gain privileges, load modules or touch devices.
func systemdUnit(l Layout) []byte {
	return fmt.Appendf(nil, `# Written by sovereign install. Reinstalling rewrites this file;
# put local changes in a drop-in: systemctl edit sovereign
[Unit]
Description=OpenOva Sovereign control plane
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=%s serve --config %s
Restart=on-failure
RestartSec=5s
TimeoutStopSec=30s
LimitNOFILE=65536
UMask=0077

# Hardening
NoNewPrivileges=yes
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
ProtectSystem=strict
ReadWritePaths=%s
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
DevicePolicy=closed
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
KeyringMode=private
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
RemoveIPC=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
`, l.Binary, l.ConfigFile, l.DataDir)
}
