# gnuplot script of bench/run: the two plots of a run, from the data report.py wrote.
# gnuplot -e "out='<path prefix of the PNGs>'; data='<run folder>'; title='<title>'" bench/plots.gp
if (!exists("title")) title = ""

set terminal pngcairo size 1200,480 font "sans,10" noenhanced
set output out . "-transfers.png"
set multiplot layout 1,2 title "POST /v1/transfers against connection count " . title
set logscale x 2
set xrange [0.7:360]
set xtics ("1" 1, "8" 8, "64" 64, "256" 256)
set xlabel "connections"
set grid
set key top left
set ylabel "accepted transfers/s"
set yrange [0:*]
set format y "%'.0f"
plot data . "/transfers.dat" using 1:2 with linespoints lw 2 pt 7 title "throughput"
set ylabel "latency of accepted transfers (ms)"
set format y "%g"
set key top left
plot data . "/transfers.dat" using 1:3 with linespoints lw 2 pt 7 title "p50", \
     ""                      using 1:4 with linespoints lw 2 pt 5 title "p99"
unset multiplot

reset
set terminal pngcairo size 800,480 font "sans,10" noenhanced
set output out . "-reads.png"
set title "Cached authenticated GET /v1/accounts/{id} against GET /health/live, 64 connections\n" . title
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set ylabel "requests/s"
set grid ytics
set key top right
plot data . "/reads.dat" using 2:xtic(1) linecolor rgb "#4477aa" title "cached account read", \
     ""                 using 3 linecolor rgb "#bbbbbb" title "/health/live", \
     ""                 using 0:($2 > $3 ? $2 : $3):(sprintf("ratio %.2f", $4)) with labels offset 0,1.2 notitle
