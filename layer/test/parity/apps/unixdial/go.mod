module kmirror.test/unixdial

go 1.21
