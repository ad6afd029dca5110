## 风险区域
audit-act-zone-declared = 划定风险区域
audit-act-zone-extended = 延长风险区域
audit-act-zone-lifted = 解除风险区域
audit-kind-zone = 风险区域
audit-key-decided-by = 决定机关
audit-key-old-end-ms = 原计划结束
audit-key-new-end-ms = 新计划结束
audit-key-lifted-ms = 解除时间
audit-val-sealed = 封控区
audit-val-controlled = 管控区
audit-val-precaution = 防范区
