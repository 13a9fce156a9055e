// sharp.mjs makes the renditions a plan names with sharp, the way a Node
// service would: one pipeline per size from the original's bytes, and
// prints the times as JSON. The plan comes on stdin:
// {runs, quality, set, files: [{path, renditions: [{w, h, crop, format}]}]}.
//
// Without `set`, each file is timed alone on one libvips thread, best of
// the runs (the one-thread rendition row). With `set`, the whole list is
// made at once, as a service with a libuv pool of UV_THREADPOOL_SIZE
// threads (set by the caller: it is read when the pool starts) would
// serve that many uploads side by side, each pipeline on one libvips
// thread; the wall time of the set is timed, best of the runs.
//
// A file sharp cannot read (HEIC: npm's libvips has no HEVC decoder) is
// reported with its error instead of failing the whole plan.
import { readFileSync } from "node:fs";
import sharp from "sharp";

sharp.concurrency(1); // one libvips thread per pipeline, as the Pixelmill worker runs
sharp.cache(false); // no operation cache across images, as a fresh job

const plan = JSON.parse(readFileSync(0, "utf8"));
const out = { sharp: sharp.versions.sharp, libvips: sharp.versions.vips, files: [] };

// renditions makes every rendition of one file from its bytes, one after
// another, and returns their dimensions.
async function renditions(src, f) {
  const dims = [];
  for (const r of f.renditions) {
    const img = sharp(src)
      .rotate() // EXIF orientation, as WordPress's sizes are upright
      .resize(r.w, r.h, { fit: r.crop ? "cover" : "fill", position: "centre" });
    // The worker's encoders: baseline JPEG with optimised Huffman tables
    // (sharp's default too), PNG at zlib level 6 without filtering.
    if ((r.format || "jpeg") === "png") {
      img.png({ compressionLevel: 6, adaptiveFiltering: false });
    } else {
      img.jpeg({ quality: plan.quality, mozjpeg: false });
    }
    const { info } = await img.toBuffer({ resolveWithObject: true });
    dims.push([info.width, info.height]);
  }
  return dims;
}

if (plan.set) {
  const times = [];
  let dims = [];
  for (let run = 0; run < plan.runs; run++) {
    const start = process.hrtime.bigint();
    // Reading the file is part of the job, as the worker fetches its source.
    dims = await Promise.all(plan.files.map((f) => renditions(readFileSync(f.path), f)));
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  out.set = { seconds: times, threads: Number(process.env.UV_THREADPOOL_SIZE || 4), dims };
} else {
  for (const f of plan.files) {
    const src = readFileSync(f.path);
    const times = [];
    let dims = [];
    try {
      for (let run = 0; run < plan.runs; run++) {
        const start = process.hrtime.bigint();
        dims = await renditions(src, f);
        times.push(Number(process.hrtime.bigint() - start) / 1e9);
      }
    } catch (err) {
      out.files.push({ path: f.path, error: String(err.message || err) });
      continue;
    }
    out.files.push({ path: f.path, seconds: times, dims });
  }
}
process.stdout.write(JSON.stringify(out));
