# R's design-based t-tests and t intervals on the 240-respondent table of tests/test_estimates.py
# (3 strata x 8 PSUs, degf 21), the values quoted in its tests of compare_subgroups and of the
# mean and net score intervals (issue 12, item 8).
#
# The table is made by numpy in the test module; write it first, then run this from the
# repository root (R and Debian's r-cran-survey):
#
#     python -c "import sys; sys.path.insert(0, 'tests'); from test_estimates import _survey; \
#                _survey().to_csv('survey.csv', index=False)"
#     Rscript tests/reference/r_estimates_t_tests.R survey.csv
#
# It prints, with and without the fpc: each age band against the rest (svyttest: t, df,
# p-value, 95% interval) and the mean and net score intervals confint(svymean(...), df = degf).
# Recorded with R 4.2.2 and survey 4.1.1.

suppressPackageStartupMessages(library(survey))
path <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(path)
d$valid <- !is.na(d$sat) & d$sat != 9
d$sat12 <- as.numeric(!is.na(d$sat) & d$sat %in% 1:2)
d$net <- (d$sat %in% 1:2) - (d$sat %in% 4:5)
cat(R.version.string, "; survey", as.character(packageVersion("survey")), "\n")
for (with_fpc in c(FALSE, TRUE)) {
  des <- if (with_fpc) {
    svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc, data = d)
  } else {
    svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)
  }
  S <- subset(des, valid)
  cat("fpc", with_fpc, "degf(S)", degf(S), "\n")
  for (g in sort(unique(d$age_band))) {
    S$variables$in_group <- as.numeric(S$variables$age_band == g)
    tt <- svyttest(sat12 ~ in_group, S)
    cat(sprintf("%s t = %.15g, df = %d, p = %.15g, ci = (%.15g, %.15g)\n", g, tt$statistic,
                tt$parameter, tt$p.value, tt$conf.int[1], tt$conf.int[2]))
  }
  for (y in c("sat", "net")) {
    ci <- confint(svymean(as.formula(paste("~", y)), S), df = degf(S))
    cat(sprintf("%s: confint(svymean(~%s, S), df = degf(S)) = (%.15g, %.15g)\n", y, y,
                ci[1], ci[2]))
  }
}
