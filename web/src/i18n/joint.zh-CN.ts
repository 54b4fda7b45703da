// 政府端：联合规划（一点多用）——规划任务的开关、已存规划的网点（地图与表格）与对比摘要。
const zh = {
  switch: "一点多用（联合规划）",
  switchHint: "有缺口的业态一起规划：一个新网点可承载允许的业态组合（内置组合表），覆盖全部缺口",
  unitsPerSite: "每个候选点最多网点数",
  noLimit: "不限",
  heading: "规划 #{id}",
  headingJoint: "联合规划 #{id}（一点多用）",
  mapLabel: "规划的新增网点地图：{count} 个点",
  summary: "{units} 个一点多用网点 vs 分业态规划 {sites} 个网点（少 {saved} 个）",
  method: "求解方法：{solver}；下界：{bound}；差距：{gap}",
  optimal: "已证明最优",
  rank: "序号",
  site: "网点",
  hosts: "承载业态",
  closes: "补齐缺口的社区",
  category: "业态",
  newly: "新覆盖居民",
  none: "无需新增网点",
  more: "等 {count} 个",
  loading: "正在读取规划……",
  unit: "网点 {unit}",
  closingHere: "在本社区补齐",
  jointPlan: "最新规划为联合规划（一点多用）：每行一个网点，标签为其承载的业态。",
};

export default zh;
