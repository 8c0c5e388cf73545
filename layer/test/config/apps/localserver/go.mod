module kmirror.test/localserver

go 1.21
