## 健康监测（第 15 号议题）
nav-followup = 健康监测
nav-referrals = 发热转介
nav-worklist = 今日走访
audit-act-quarantine-rule-set = 设定隔离规则
audit-act-quarantine-ordered = 下达隔离
audit-act-quarantine-end-changed = 变更隔离结束日期
audit-act-quarantine-ended = 结束隔离
audit-act-quarantine-check = 记录健康监测
audit-act-quarantine-task-closed = 处理转介或上报
audit-act-pairing-made = 安排联户
audit-act-pairing-ended = 解除联户
audit-act-contact-logged = 记录联户联系
audit-kind-quarantine-rule = 隔离规则
audit-kind-quarantine-order = 隔离单
audit-kind-quarantine-check = 健康监测
audit-kind-quarantine-task = 转介或上报
audit-kind-pairing = 联户
