module kmirror.test/hostname

go 1.21
