"""One URLconf per in-process case: each case's URL is the first and only pattern, so no
case pays for the failed matches of the patterns listed before it in ``bench_site``
(a failed match costs about as much as a tenth of the bridge)."""
