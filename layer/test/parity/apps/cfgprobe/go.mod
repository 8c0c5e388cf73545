module kmirror.test/cfgprobe

go 1.21
