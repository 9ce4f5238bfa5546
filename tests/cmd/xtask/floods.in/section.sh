#!/bin/sh
# A section binary, as xtask sees one, whose one example prints 20 MB and
# exits 0: more than a tool keeps of an example's output.
if [ "$1" = "--list=tsv" ]; then
    printf 'floods\tplain\tfloods.rs\t0\tPrints 20 MB.\n'
    exit 0
fi
head -c 20000000 /dev/zero | tr '\0' x
