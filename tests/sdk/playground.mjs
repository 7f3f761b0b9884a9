// Drives the playground page of `imgprompt serve` in a real (headless) Chromium: the page loads
// the presets and renders, an edit re-renders with the exact text highlighted, an invalid brief
// shows its diagnostic and a click jumps to the line, and it lays out at phone width.
// Usage: node playground.mjs URL SCREENSHOT_DIR
import { chromium } from "playwright-core";

const [url, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const result = {};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const failed = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById("prompt").textContent.length > 20);
  result.presets = await page.$$eval("#preset option", (o) => o.map((x) => x.value));
  // every preset's example loads and renders
  result.preset_prompts = {};
  for (const name of result.presets) {
    await page.selectOption("#preset", name);
    await page.waitForFunction((n) => document.getElementById("meta").textContent.startsWith(n + " ·"), name);
    result.preset_prompts[name] = (await page.textContent("#prompt")).slice(0, 60);
  }
  await page.selectOption("#preset", "poster");
  await page.waitForFunction(() => document.getElementById("meta").textContent.startsWith("poster ·"));
  result.first_prompt = await page.textContent("#prompt");
  result.families = await page.$$eval("#families details", (ds) => ds.map((d) => ({ family: d.dataset.family, prompt: d.querySelector("p").textContent })));
  result.marks = await page.$$eval("#prompt mark", (m) => m.map((x) => x.textContent));
  result.subject = await page.inputValue("#brief");
  // edit the brief: the prompt follows
  await page.fill("#brief", "preset: poster\nsubject: a night market\ntext:\n  headline: Lantern Row\n");
  await page.waitForFunction(() => document.getElementById("prompt").textContent.includes("Lantern Row"));
  result.edited_prompt = await page.textContent("#prompt");
  result.edited_marks = await page.$$eval("#prompt mark", (m) => m.map((x) => x.textContent));
  result.status = await page.textContent("#status");
  // an invalid brief: its diagnostic, and a click selects its line
  await page.fill("#brief", "subject: a cat\noutput:\n  size: 1000x1000\n");
  await page.waitForFunction(() => document.getElementById("status").textContent.includes("invalid-size"));
  result.diagnostic = await page.textContent("#diagnostics .diag");
  await page.click("#diagnostics .diag");
  result.selected = await page.$eval("#brief", (t) => t.value.slice(t.selectionStart, t.selectionEnd));
  // switch the target and show the curl hand-off
  await page.fill("#brief", "preset: poster\nsubject: a night market\ntext:\n  headline: Lantern Row\n");
  await page.selectOption("#target", "stability");
  await page.waitForFunction(() => document.getElementById("payload").textContent.includes("stability"));
  await page.selectOption("#emit", "curl");
  result.curl = await page.textContent("#payload");
  await page.screenshot({ path: `${shots}/playground-desktop.png` });
  // an invalid brief marks the results stale and disables the copy buttons
  await page.fill("#brief", "preset: poster\nsubjct: a night market\n");
  await page.waitForFunction(() => document.getElementById("results").classList.contains("stale"));
  result.stale_banner = await page.isVisible("#stale");
  result.stale_copy_disabled = await page.$$eval("[data-copy]", (bs) => bs.map((b) => b.disabled));
  result.stale_opacity = await page.$eval("#prompt", (p) => getComputedStyle(p).opacity);
  await page.screenshot({ path: `${shots}/playground-stale.png` });
  // fixed again: fresh results, copy buttons back
  await page.fill("#brief", "preset: poster\nsubject: a night market\ntext:\n  headline: Kept After Reload\n");
  await page.waitForFunction(() => !document.getElementById("results").classList.contains("stale")
    && document.getElementById("prompt").textContent.includes("Kept After Reload"));
  result.fresh_copy_disabled = await page.$$eval("[data-copy]", (bs) => bs.map((b) => b.disabled));
  result.fresh_banner = await page.isVisible("#stale");
  // the brief, target and form survive a reload
  await page.reload();
  await page.waitForFunction(() => document.getElementById("prompt").textContent.includes("Kept After Reload"));
  result.reloaded = { brief: await page.inputValue("#brief"), target: await page.inputValue("#target"), emit: await page.inputValue("#emit") };
  // another preset asks before replacing an edited brief (dismissed: nothing changes)
  page.once("dialog", (d) => { result.replace_question = d.message(); d.dismiss(); });
  await page.selectOption("#preset", "product");
  await page.waitForTimeout(300);
  result.after_dismiss = { brief: await page.inputValue("#brief"), preset: await page.inputValue("#preset") };
  // download: the brief as a file
  const [file] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  result.download_name = file.suggestedFilename();
  const fs = await import("node:fs");
  result.download_text = fs.readFileSync(await file.path(), "utf8");
  // share: a link that opens the same brief in a browser that never saw it
  await page.fill("#brief", "preset: poster\nsubject: a night market\ntext:\n  headline: Shared – «Ünïcode» 🏮\n");
  await page.waitForFunction(() => document.getElementById("prompt").textContent.includes("🏮"));
  await page.click("#share");
  await page.waitForFunction(() => location.hash.startsWith("#brief="));
  result.share_link = await page.evaluate(() => location.href);
  const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await other.goto(result.share_link);
  await other.waitForFunction(() => document.getElementById("prompt").textContent.includes("🏮"));
  result.shared = { brief: await other.inputValue("#brief"), target: await other.inputValue("#target"), preset: await other.inputValue("#preset"), marks: await other.$$eval("#prompt mark", (m) => m.map((x) => x.textContent)) };
  await other.screenshot({ path: `${shots}/playground-shared.png` });
  // an edit after opening the link is what a reload keeps (the link is dropped at the first edit)
  await other.fill("#brief", "preset: poster\nsubject: a night market\ntext:\n  headline: Edited After Sharing\n");
  await other.waitForFunction(() => document.getElementById("prompt").textContent.includes("Edited After Sharing"));
  result.hash_after_edit = await other.evaluate(() => location.hash);
  await other.reload();
  await other.waitForFunction(() => document.getElementById("prompt").textContent.length > 20);
  result.reloaded_after_share = await other.inputValue("#brief");
  // a large brief still makes a link
  const big = "preset: poster\nsubject: a night market\navoid:\n" + "  - clutter ü\n".repeat(16000);
  await page.$eval("#brief", (t, v) => { t.value = v; t.dispatchEvent(new Event("input")); }, big);
  await page.click("#share");
  await page.waitForFunction(() => location.hash.length > 200000);
  result.big_link_ok = await page.evaluate(() => location.hash.startsWith("#brief="));
  await other.close();
  // back to a brief a person would write, for the phone screenshot
  await page.fill("#brief", "preset: poster\nsubject: a night market\ntext:\n  headline: Lantern Row\n");
  await page.waitForFunction(() => !document.getElementById("results").classList.contains("stale")
    && document.getElementById("prompt").textContent.includes("Lantern Row"));
  // phone width: one column, nothing wider than the screen
  await page.setViewportSize({ width: 390, height: 844 });
  result.phone_overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  await page.screenshot({ path: `${shots}/playground-phone.png` });
  result.failed_requests = failed;
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
