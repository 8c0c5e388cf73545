module kmirror.test/udpsend

go 1.21
