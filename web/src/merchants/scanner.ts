// Reading a QR code with the device camera through the browser's BarcodeDetector (Chrome
// on Android, ChromeOS, macOS); where it is missing the code is typed, which always works.

interface Detected {
  rawValue: string;
}
interface Detector {
  detect(source: HTMLVideoElement): Promise<Detected[]>;
}
type DetectorClass = new (options: { formats: string[] }) => Detector;

export function detectorClass(scope: object = globalThis): DetectorClass | null {
  const found = (scope as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  return typeof found === "function" ? found : null;
}

export const canScan = (): boolean =>
  detectorClass() !== null && typeof navigator !== "undefined" && !!navigator.mediaDevices?.getUserMedia;

/** Scan until a value with 12 digits is read, or `stop()` is called. */
export function scanQr(video: HTMLVideoElement, found: (digits: string) => void, failed: (reason: string) => void) {
  const Klass = detectorClass();
  let stream: MediaStream | null = null;
  let stopped = false;
  const stop = () => {
    stopped = true;
    stream?.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  };
  if (!Klass) {
    failed("BarcodeDetector");
    return stop;
  }
  const detector = new Klass({ formats: ["qr_code"] });
  void (async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      if (stopped) return stop();
      video.srcObject = stream;
      await video.play();
      while (!stopped) {
        const codes = await detector.detect(video);
        const digits = codes.map((c) => c.rawValue.replace(/\D/g, "")).find((d) => d.length === 12);
        if (digits) {
          found(digits);
          return stop();
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    } catch (error) {
      stop();
      failed(error instanceof Error ? error.message : String(error));
    }
  })();
  return stop;
}
