import datetime as dt
import time
from metrics.engine.services import metrics_compute_site
from metrics.models import MetricResult

def test_smoke(engaged_site, django_assert_max_num_queries):
    t=time.time()
    s = metrics_compute_site(site=engaged_site, today=dt.date(2024, 6, 1))
    print(s, time.time()-t)
    for r in MetricResult.objects.filter(site=engaged_site).order_by("metric","offense"):
        print(r.metric, r.offense, r.params, r.status, r.reason, r.flags, str(r.value)[:300])
    s2 = metrics_compute_site(site=engaged_site, today=dt.date(2024, 6, 1))
    print(s2)
    assert 0
