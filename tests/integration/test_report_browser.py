"""The HTML report as a browser shows it: headless Chromium renders ``fit.report(path)``.

A probe script, put first in the ``<head>`` of a copy of the report, records page errors
(uncaught exceptions, resources that fail to load, ``console.error``); on load it draws
every image on a canvas (which decodes it), measures the tables and writes what it found
as JSON into the page, which ``--dump-dom`` prints.
Chromium's own console log (``--enable-logging=stderr``) must stay empty too. Skipped
when no Chromium is installed (``apt-get install chromium``; ``.ci/run`` tries that).
"""

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import bayesglmm as bg
from tests.conftest import quiet_fit

BROWSER = next(
    filter(None, map(shutil.which, ["chromium", "chromium-browser", "google-chrome"])), None
)
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="needs Chromium for the browser check of the HTML report: apt-get install chromium",
)

PROBE = """<script>
window.__errors = [];
addEventListener("error", (event) => __errors.push(
  event.message || "failed to load " + (event.target.src || event.target.tagName).slice(0, 80)
), true);
addEventListener("unhandledrejection", (event) => __errors.push("rejection: " + event.reason));
const __consoleError = console.error;
console.error = (...args) => {
  __errors.push("console.error: " + args.join(" "));
  __consoleError.apply(console, args);
};
addEventListener("load", () => {
  const images = [...document.images].map((image) => {
    const box = image.getBoundingClientRect();
    let inked = null;  // share of the pixels that are not white, once drawn on a canvas
    if (image.complete && image.naturalWidth > 0) {
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext("2d");
      context.drawImage(image, 0, 0);  // decodes the image, synchronously
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] > 0 && Math.min(pixels[i], pixels[i + 1], pixels[i + 2]) < 240) count++;
      }
      inked = count / (canvas.width * canvas.height);
    }
    return {alt: image.alt, complete: image.complete, width: image.naturalWidth,
            height: image.naturalHeight, shown: box.width > 0 && box.height > 0, inked};
  });
  let section = null;
  const tables = [];
  for (const element of document.querySelectorAll("h2, table")) {
    if (element.tagName === "H2") { section = element.textContent.trim(); continue; }
    tables.push({
      section,
      headers: [...element.querySelectorAll("thead th")].map((cell) => cell.textContent.trim()),
      rows: element.querySelectorAll("tbody tr").length,
      shown: element.getBoundingClientRect().height > 0,
    });
  }
  const out = document.createElement("pre");
  out.id = "browser-check";
  out.textContent = JSON.stringify({title: document.title, images, tables, errors: __errors});
  document.body.append(out);
});
</script>"""


def render(report: Path, workdir: Path) -> tuple[dict, list[str]]:
    """What the probe found on the rendered report, and Chromium's console lines."""
    page = workdir / "probed.html"
    page.write_text(report.read_text().replace("<head>", "<head>" + PROBE, 1))
    command = [
        BROWSER,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={workdir / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",  # time for late errors, without waiting for real
        "--dump-dom",
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    found = re.search(r'<pre id="browser-check">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found, f"the probe wrote nothing (exit {result.returncode}):\n{result.stderr[-3000:]}"
    return json.loads(html.unescape(found.group(1))), console


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    model = bg.Model(
        "favorable | trials(n) ~ treatment + (1 | clinic)",
        bg.datasets.load("infection"),
        family="binomial",
    )
    fit = quiet_fit(model, draws=100, tune=100, chains=2, seed=1)
    workdir = tmp_path_factory.mktemp("browser")
    report = fit.report(workdir / "infection.html", title="Infection trial")
    assert "<script" not in report.read_text()  # the only script on the page is the probe
    return render(report, workdir)


def test_every_image_is_decoded_drawn_and_shown(rendered):
    found, _ = rendered
    assert [image["alt"] for image in found["images"]] == [
        "Posterior predictive check (calibration)",
        "Trace and density of the reported parameters",
        "Estimated marginal means of treatment (response scale)",
        "Effects of clinic",
    ]
    for image in found["images"]:
        assert image["complete"] and image["width"] > 0 and image["height"] > 0, image
        assert image["shown"] and image["inked"] > 0.01, image


def test_the_expected_tables_are_rendered(rendered):
    found, _ = rendered
    assert found["title"] == "Infection trial"
    tables = found["tables"]
    assert [table["section"] for table in tables] == [
        "Model and estimates",
        "Model and estimates",
        "Model and estimates",
        "Priors",
        "Diagnostics",
        "Posterior predictive check",
        "Estimated marginal means",
    ]
    assert all(table["rows"] > 0 and table["shown"] for table in tables), tables
    estimates = ["", "Estimate", "Est.Error", "l-95% CI", "u-95% CI", "Rhat", "Bulk_ESS"]
    assert [table["headers"][:7] for table in tables[1:3]] == [estimates, estimates]
    assert "prior" in tables[3]["headers"]
    assert {"rhat", "ess_bulk", "ess_tail"} <= set(tables[4]["headers"])
    assert {"observed", "replicated", "p_value"} <= set(tables[5]["headers"])
    assert tables[6]["headers"][:2] == ["treatment", "mean"] and tables[6]["rows"] == 2


def test_the_page_logs_no_errors(rendered):
    found, console = rendered
    assert found["errors"] == []
    assert console == []
