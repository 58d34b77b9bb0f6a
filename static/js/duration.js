// A duration as staff pages show one that counts on: a waiting or serving time.

/** "04:07" for seconds; "1:04:07" from an hour. */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n) => String(n).padStart(2, "0");
  const minutes = Math.floor(s / 60);
  const short = `${two(minutes % 60)}:${two(s % 60)}`;
  return minutes >= 60 ? `${Math.floor(minutes / 60)}:${short}` : short;
}
