# Test app (Python): in DIR, writes new.txt and appends to log.txt (closing both), then reads
# them back; prints new=..., log=... (newlines as |).
import sys
d = sys.argv[1]
with open(d + "/new.txt", "w") as f: f.write("created\n")
with open(d + "/log.txt", "a") as f: f.write("appended\n")
with open(d + "/new.txt") as f: print("new=" + f.read().replace("\n", "|"))
with open(d + "/log.txt") as f: print("log=" + f.read().replace("\n", "|"))
