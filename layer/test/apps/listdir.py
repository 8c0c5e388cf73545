# Test app (Python): lists a directory (os.listdir, and os.scandir's d_type-based is_dir/is_symlink).
import os, sys
print("listdir=" + ",".join(sorted(os.listdir(sys.argv[1]))))
print("scandir=" + ",".join(sorted(f"{e.name}:{'d' if e.is_dir(follow_symlinks=False) else 'l' if e.is_symlink() else 'f'}" for e in os.scandir(sys.argv[1]))))
