module kmirror.test/netprobe

go 1.21
