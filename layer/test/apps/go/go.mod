module kmirror.test/probe

go 1.21
