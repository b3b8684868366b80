# The colour-hint curve of Models/README.md ("Colour hints"): PSNR and rebalanced AuC against the
# number of hints on the evaluation photos. Data: docs/hints-curve.dat (columns: hints, PSNR,
# rebalanced AuC, then grey's and the previous model's), from `colorize evaluate --hints … --json`.
# Render: gnuplot docs/hints-curve.gp  (Debian: apt-get install gnuplot-nox)
set terminal pngcairo size 900,420 font "sans,11"
set output "docs/hints-curve.png"
set multiplot layout 1,2 title "Colour hints on mate-backgrounds (12 photos never used for training or choosing)"
set logscale x 2
set xrange [0.7:70]
set xtics ("0" 0.8, "1" 1, "2" 2, "5" 5, "10" 10, "20" 20, "50" 50)
set xlabel "hints per photo (random points, true colour)"
set grid
set key below
x(n) = n == 0 ? 0.8 : n
set ylabel "PSNR (dB)"
plot "docs/hints-curve.dat" using (x($1)):2 with linespoints lw 2 pt 7 title "shipped model", \
     "" using (x($1)):6 with linespoints dt 3 lw 2 pt 6 title "previous model (first hint model)", \
     "" using (x($1)):4 with lines dt 2 lw 2 title "grey baseline"
set ylabel "rebalanced AuC"
plot "docs/hints-curve.dat" using (x($1)):3 with linespoints lw 2 pt 7 title "shipped model", \
     "" using (x($1)):7 with linespoints dt 3 lw 2 pt 6 title "previous model (first hint model)", \
     "" using (x($1)):5 with lines dt 2 lw 2 title "grey baseline"
unset multiplot
