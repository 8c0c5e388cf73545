module kmirror.test/fsops

go 1.21
