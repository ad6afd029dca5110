# 卡口（第 14 号需求）：门岗、道路卡口、健康检查站和通行登记。
audit-act-pass-log = 卡口通行登记
audit-act-checkpoint-setup = 设置卡口
audit-kind-checkpoint = 卡口
