# Keeps the fastest line per case over several rounds of a benchmark's output
# ("case ms_per_batch images_per_s"), in first-seen order.
{
    if (!($1 in best)) order[n++] = $1
    if (!($1 in best) || $2 < best[$1]) { best[$1] = $2; line[$1] = $0 }
}
END { for (i = 0; i < n; i++) print line[order[i]] }
