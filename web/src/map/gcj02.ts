// WGS-84 -> GCJ-02 (the published open formula, as lifecircle.io.coords computes it): the
// browser's geolocation is WGS-84, and a GCJ-02 basemap needs the point shifted before it
// is drawn or sent with crs=gcj02. The API converts everything else itself.

const A = 6378245.0; // Krasovsky semi-major axis, metres
const EE = 0.00669342162296594323; // Krasovsky first eccentricity squared
const CHINA = [72.004, 0.8293, 137.8347, 55.8271] as const; // where the offsets apply

export function outOfChina(lon: number, lat: number): boolean {
  return lon < CHINA[0] || lon > CHINA[2] || lat < CHINA[1] || lat > CHINA[3];
}

export function wgs84ToGcj02(lon: number, lat: number): [number, number] {
  if (outOfChina(lon, lat)) return [lon, lat];
  const x = lon - 105.0;
  const y = lat - 35.0;
  const pi = Math.PI;
  const common = ((20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0) / 3.0;
  let dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dlat += common;
  dlat += ((20.0 * Math.sin(y * pi) + 40.0 * Math.sin((y / 3.0) * pi)) * 2.0) / 3.0;
  dlat += ((160.0 * Math.sin((y / 12.0) * pi) + 320.0 * Math.sin((y * pi) / 30.0)) * 2.0) / 3.0;
  let dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dlon += common;
  dlon += ((20.0 * Math.sin(x * pi) + 40.0 * Math.sin((x / 3.0) * pi)) * 2.0) / 3.0;
  dlon += ((150.0 * Math.sin((x / 12.0) * pi) + 300.0 * Math.sin((x / 30.0) * pi)) * 2.0) / 3.0;
  const radlat = (lat / 180.0) * pi;
  const magic = 1.0 - EE * Math.sin(radlat) ** 2;
  const sqrtmagic = Math.sqrt(magic);
  dlat = (dlat * 180.0) / (((A * (1.0 - EE)) / (magic * sqrtmagic)) * pi);
  dlon = (dlon * 180.0) / ((A / sqrtmagic) * Math.cos(radlat) * pi);
  return [lon + dlon, lat + dlat];
}
