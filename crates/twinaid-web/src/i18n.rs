//! The interface's words in Chinese (first) and English. Every key has both;
//! a test keeps it so.

use twinaid_domain::Lang;

const CATALOG: &[(&str, &str, &str)] = &[
    ("colon", "：", ": "),
    ("plans", "计划与待办", "Plans and tasks"),
    ("guidance", "指导意见", "Guidance"),
    ("none", "无", "None"),
    ("import", "导入", "Import"),
    ("export_xlsx", "导出 Excel", "Export to Excel"),
    ("export_docx", "下载 Word 年鉴", "Download as Word"),
    ("export_pdf", "下载 PDF 年鉴", "Download as PDF"),
    (
        "import_intro",
        "上传填好的表格（.xlsx、.xls、.ods 或 .csv，CSV 可为 UTF-8 或 GB18030 编码）。整个文件先全部检查，有任何一处错误则一行也不写入；编号相同的行再次导入时更新原记录，不会重复。",
        "Upload a filled-in sheet (.xlsx, .xls, .ods or .csv in UTF-8 or GB18030). The whole file is checked first; if anything is wrong nothing is written. Rows whose code is already stored update that record, so importing again duplicates nothing.",
    ),
    ("download_template", "下载导入模板", "Download the template"),
    (
        "import_refused",
        "文件有错误，未写入任何数据。请按下列说明或带“错误”列的副本改正后重新导入。",
        "The file has problems and nothing was written. Fix them as listed, or in the copy with an error column, and import again.",
    ),
    (
        "download_error_copy",
        "下载带“错误”列的副本",
        "Download the copy with an error column",
    ),
    ("import_file", "文件", "File"),
    (
        "plain_http_notice",
        "本站通过 http 提供（未加密）：密码和登录状态在网络上以明文传输，请只在可信的办公网络内使用。",
        "This site is served over plain http: passwords and sessions cross the network unencrypted, so use it only on a trusted office network.",
    ),
    (
        "signin_form_expired",
        "登录表单已过期，请重新输入",
        "the sign-in form expired; please enter your details again",
    ),
    (
        "cookie_dropped_over_http",
        "浏览器没有保存登录所需的 Cookie：本站的 Cookie 只在 HTTPS 下保存，而此页面是用 http:// 地址打开的。请改用 https:// 地址；若办公网络中没有 HTTPS，请管理员以 --public-url http://（此地址）启动 twinaid。",
        "your browser did not keep the sign-in cookie: this site's cookies are kept only over HTTPS, and this page was opened at an http:// address. Open it at its https:// address; on an office network without HTTPS, the administrator starts twinaid with --public-url http://(this address).",
    ),
    (
        "foreign_origin",
        "此表单来自其他网站，已拒绝。请在本站页面上重新填写提交。",
        "this form came from another site and was refused; fill it in again on this site's page.",
    ),
    (
        "cookie_dropped",
        "浏览器没有保存登录所需的 Cookie，请允许本站使用 Cookie 后重试。",
        "your browser did not keep the sign-in cookie; allow cookies for this site and try again.",
    ),
    (
        "import_reading",
        "读取文件并检查各行…",
        "reading the file and checking rows…",
    ),
    (
        "import_checking_references",
        "核对引用…",
        "checking references…",
    ),
    ("import_writing", "写入…", "writing…"),
    ("attach", "上传照片或文档", "Attach a photo or document"),
    ("document_kind", "文件类型", "Kind of document"),
    (
        "kind_guidance",
        "年度指导意见（用于考核）",
        "Yearly guidance (the assessment follows it)",
    ),
    ("kind_outline", "多年规划纲要", "Multi-year outline"),
    ("not_closed", "未办结", "not closed"),
    ("published_on", "已公布", "published"),
    (
        "not_published",
        "未公布，随数据变化",
        "not published; follows the data",
    ),
    ("explanation", "得分说明", "How the score is made"),
    (
        "satisfaction",
        "受帮扶方满意度",
        "Satisfaction of the paired side",
    ),
    ("assessment_report", "考核报告", "Assessment report"),
    ("rate", "提交评价", "Rate"),
    ("report", "报告", "Report"),
    (
        "correction_reason",
        "更正原因（考核结果已公布的年度必填）",
        "Correction reason (needed for a year whose assessment is published)",
    ),
    ("annual_plan", "年度实施方案", "Annual plan"),
    ("plan_status", "状态", "Status"),
    ("revision", "修订版次", "Revision"),
    ("comment", "意见", "Comment"),
    ("add_target", "设定目标", "Set target"),
    ("remove", "删除", "Remove"),
    ("submit_plan", "提交审批", "Submit"),
    ("approve", "批准", "Approve"),
    ("return_plan", "退回修改", "Return"),
    ("revise", "提出修订", "Revise"),
    ("unit_plans", "各单位年度计划", "Each unit's plan"),
    ("yearly_cycle", "年度考核", "Yearly cycle"),
    ("priorities", "工作重点", "Priorities"),
    ("tasks", "主要任务", "Tasks"),
    (
        "assessment_rules",
        "考核指标与权重",
        "Indicators that count and their weights",
    ),
    (
        "weights",
        "统计评价/交叉检查/专家评估权重",
        "Weights of statistics / cross-examination / experts",
    ),
    (
        "bands",
        "好/较好/一般 分数线",
        "Lowest totals of good / fairly good / average",
    ),
    (
        "of_which_pending",
        "另有待核查",
        "Also awaiting verification:",
    ),
    (
        "pending_not_counted",
        "（未计入上述数字）",
        " (not in the figure above)",
    ),
    (
        "showing_pending",
        "下列记录尚待核查登记，未计入统计。",
        "The records below await verification and registration; they are not counted.",
    ),
    (
        "show_counted",
        "查看已计入的记录",
        "Show the counted records",
    ),
    (
        "step_back_notice",
        "注意：如改动帮扶单位、所在县或年份，本项目将退回“已核查”，在帮扶协作办公室重新登记前不计入统计。",
        "Note: changing the helper unit, the county or the year sends this project back to \"verified\"; it stops counting until the program office registers it again.",
    ),
    (
        "unpaired_reason",
        "结对外理由（仅当该单位当年与该县无结对关系时填写，记入审计日志）",
        "Reason outside the pairings (only when the unit is not paired with the county that year; kept in the audit log)",
    ),
    ("audit_checkpoint", "审计检查点", "Audit checkpoint"),
    (
        "audit_checkpoint_hint",
        "最新一条审计事件的序号与哈希。请在系统之外保存；日后运行 twinaid audit verify --checkpoint 序号:哈希，即可证明此前的事件未被改动、删除或插入。",
        "The latest audit event's number and hash. Keep them outside the system: later, twinaid audit verify --checkpoint NUMBER:HASH proves that no event up to it was edited, deleted or inserted.",
    ),
    (
        "counts_from",
        "项目自此状态起计入统计",
        "Projects count in the figures from",
    ),
    (
        "counts_from_hint",
        "之前状态的项目显示为“待核查”，退回和取消的项目不计入。",
        "Projects before this step show as awaiting verification; returned and cancelled projects never count.",
    ),
    (
        "rubric",
        "专家评分细则（项目 = 权重）",
        "Experts' rubric (item = weight)",
    ),
    (
        "no_guidance",
        "该年度尚未印发指导意见",
        "No guidance covers this year yet",
    ),
    ("versions", "历次版本", "Versions"),
    (
        "issue_guidance",
        "印发指导意见（新版本）",
        "Issue guidance (a new version)",
    ),
    (
        "year_to",
        "截止年份（规划纲要）",
        "To year (for an outline)",
    ),
    (
        "indicator_weights",
        "考核指标（指标代码 = 权重，每行一项）",
        "Indicators (code = weight, one per line)",
    ),
    ("experts", "专家评估", "Expert assessment"),
    ("expert", "专家", "Expert"),
    ("assign", "分配", "Assign"),
    ("spread", "专家评分极差", "Spread of expert scores"),
    ("scores", "评分", "Scores"),
    (
        "submit_scores",
        "提交（提交后锁定）",
        "Submit (then locked)",
    ),
    ("assessment", "考核排名", "Assessment and ranking"),
    ("rank", "名次", "Rank"),
    ("statistical", "统计评价", "Statistical evaluation"),
    ("grade", "等次", "Grade"),
    ("publish", "公布考核结果", "Publish the assessment"),
    (
        "confirm_publish",
        "公布后该年度考核结果和记录将锁定，确定公布吗？",
        "Once published, the year's results and records are locked. Publish?",
    ),
    ("inspections", "交叉检查", "Cross-examination"),
    ("seed", "抽签种子", "Seed of the draw"),
    ("draw", "抽签分配检查组", "Draw the inspection teams"),
    ("load", "各检查组任务量", "Load of each team"),
    ("inspector", "检查单位", "Inspector"),
    ("rating", "评分", "Rating"),
    ("issues", "发现问题", "Issues"),
    ("rectification", "整改", "Rectification"),
    ("answer", "整改答复", "Answer"),
    ("closed", "已结束", "closed"),
    ("close_inspection", "结束检查", "Close"),
    (
        "amount_verified",
        "核实金额（元）",
        "Amount verified (yuan)",
    ),
    ("todo", "待办事项", "To do"),
    ("nothing_to_do", "暂无待办事项", "Nothing to do"),
    ("plan_vs_actual", "年度计划完成情况", "Plan against actual"),
    ("target", "目标", "Target"),
    ("actual", "实际", "Actual"),
    ("completion", "完成率", "Completion"),
    ("year_gone", "时间进度", "Share of the year gone"),
    ("behind", "进度滞后", "behind the year's pace"),
    ("lifecycle", "项目进度", "Project status"),
    ("reason", "原因", "Reason"),
    ("parent", "上级", "Parent"),
    ("open", "（", " ("),
    ("close", "）", ")"),
    (
        "app_name",
        "对口帮扶协作管理",
        "twinaid — pairing assistance",
    ),
    ("dashboard", "总览", "Dashboard"),
    ("yearbook", "年鉴", "Yearbook"),
    ("structure", "结对关系", "Pairings"),
    ("records", "记录", "Records"),
    ("units", "单位", "Units"),
    ("regions", "行政区划", "Regions"),
    ("audit", "审计日志", "Audit log"),
    ("command_line", "命令行", "command line"),
    ("regions_within", "范围", "Showing"),
    (
        "regions_of_program",
        "本帮扶协作的地区",
        "this program's regions",
    ),
    ("regions_all", "全国", "all of China"),
    ("audit_filter", "筛选", "Filter"),
    ("audit_actor", "操作人（用户名）", "Who (user name)"),
    ("audit_entity", "对象类别", "What kind"),
    ("audit_key", "对象编号", "Code"),
    ("audit_from", "起始日期", "From"),
    ("audit_until", "截止日期", "Until"),
    ("audit_any", "全部", "Any"),
    ("audit_changes", "变更内容", "What changed"),
    ("audit_none", "没有符合条件的事件。", "No events match."),
    (
        "audit_bad_date",
        "日期应写成 2026-12-07 的形式",
        "write dates as 2026-12-07",
    ),
    ("audit_page_of", "第 {n} 页", "Page {n}"),
    ("newer", "较新", "Newer"),
    ("older", "较早", "Older"),
    ("clear_filter", "清除筛选", "Clear the filter"),
    ("action_create", "新增", "created"),
    ("action_update", "修改", "changed"),
    ("action_delete", "删除", "deleted"),
    ("action_seed", "初始化", "seeded"),
    ("action_generate", "生成合成数据", "generated (synthetic)"),
    ("action_transition", "状态变更", "status changed"),
    ("action_sign_in", "登录", "signed in"),
    ("action_sign_out", "退出", "signed out"),
    ("action_sign_in_failed", "登录失败", "sign-in failed"),
    ("action_sign_in_locked", "登录被锁定", "sign-in locked"),
    (
        "action_sign_in_unlocked",
        "解除登录锁定",
        "sign-in unlocked",
    ),
    ("action_score", "评分", "scored"),
    ("action_rate", "评价", "rated"),
    ("action_revoke", "撤销", "revoked"),
    ("action_publish", "发布", "published"),
    ("action_plan", "制定计划", "planned"),
    ("action_issue", "下达", "issued"),
    ("action_draw", "抽取", "drawn"),
    ("action_attach", "上传附件", "attached"),
    ("action_assign", "分配", "assigned"),
    ("action_disable", "停用", "disabled"),
    ("action_enable", "启用", "enabled"),
    ("action_set_role", "更改角色", "role changed"),
    ("action_change_password", "修改密码", "password changed"),
    ("action_reset_password", "重置密码", "password reset"),
    ("action_correction", "更正", "corrected"),
    ("action_close", "关闭", "closed"),
    ("action_finding", "记录发现的问题", "finding recorded"),
    (
        "audit_items",
        "（共 {n} 项，从略）",
        "({n} items, not shown)",
    ),
    ("entity_aggregate_value", "汇总数", "aggregate value"),
    ("entity_designation", "认定", "designation"),
    ("audit_field_display_name", "显示名", "display name"),
    ("audit_field_username", "用户名", "user name"),
    ("audit_field_user_id", "用户编号", "user id"),
    ("audit_field_name", "名称", "name"),
    ("audit_field_status", "状态", "status"),
    ("audit_field_reason", "原因", "reason"),
    ("audit_field_by", "操作人", "by"),
    ("audit_field_comment", "意见", "comment"),
    ("audit_field_rating", "评价", "rating"),
    ("audit_field_closed", "已关闭", "closed"),
    ("audit_field_issues", "发现的问题", "issues"),
    ("audit_field_expert", "专家", "expert"),
    ("audit_field_unit", "单位", "unit"),
    ("audit_field_year", "年度", "year"),
    ("audit_field_region_code", "地区", "region"),
    ("audit_field_helper_unit", "帮扶单位", "helper unit"),
    ("audit_field_indicator", "指标", "indicator"),
    ("audit_field_target_key", "目标", "target"),
    ("audit_field_target", "目标值", "target value"),
    ("audit_field_value", "数值", "value"),
    ("audit_field_expires_at", "到期时间", "expires"),
    ("audit_field_revoked_at", "撤销时间", "revoked"),
    ("audit_field_kind", "类别", "kind"),
    ("audit_field_note", "备注", "note"),
    ("audit_field_version", "版本", "version"),
    ("audit_field_body", "内容", "content"),
    ("audit_field_units", "单位", "units"),
    ("audit_field_bands", "等级分数线", "bands"),
    ("audit_field_indicators", "指标权重", "indicator weights"),
    ("audit_field_rubric", "评分细则", "rubric"),
    ("audit_field_definition", "定义", "definition"),
    ("audit_field_from_status", "原状态", "from status"),
    ("audit_field_to_status", "新状态", "to status"),
    (
        "audit_field_correction_reason",
        "更正原因",
        "reason for the correction",
    ),
    (
        "audit_field_unpaired_reason",
        "结对外登记原因",
        "reason for recording outside the pairings",
    ),
    ("audit_field_client", "客户端地址", "client address"),
    ("audit_field_password", "密码", "password"),
    ("audit_field_disabled", "已停用", "disabled"),
    ("audit_field_role", "角色", "role"),
    ("audit_field_scope", "范围", "scope"),
    ("audit_field_name_zh", "中文名称", "Chinese name"),
    ("audit_field_name_en", "英文名称", "English name"),
    ("audit_field_records", "记录数", "records"),
    ("audit_field_synthetic", "合成数据", "synthetic"),
    ("audit_field_rows_removed", "删除的行数", "rows removed"),
    ("entity_program", "帮扶协作", "program"),
    (
        "entity_program_region",
        "帮扶协作的受帮扶地区",
        "program's helped region",
    ),
    ("entity_program_unit", "帮扶协作的单位", "program's unit"),
    ("entity_unit", "单位", "unit"),
    ("entity_region", "行政区划", "region"),
    ("entity_indicator", "指标", "indicator"),
    ("entity_guidance", "指导意见", "guidance"),
    ("entity_annual_plan", "年度计划", "annual plan"),
    ("entity_plan_target", "计划目标", "plan target"),
    ("entity_inspection_round", "检查轮次", "inspection round"),
    ("entity_inspection", "检查", "inspection"),
    ("entity_expert_assignment", "专家分工", "expert assignment"),
    ("entity_assessment", "考核", "assessment"),
    ("entity_satisfaction", "满意度评价", "satisfaction rating"),
    ("entity_attachment", "附件", "attachment"),
    ("entity_app_user", "用户账户", "user account"),
    ("entity_api_token", "接口令牌", "API token"),
    ("entity_account", "账户", "account"),
    ("api", "接口", "API"),
    ("sign_in", "登录", "Sign in"),
    ("sign_out", "退出", "Sign out"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("program", "帮扶协作", "Program"),
    ("year", "年度", "Year"),
    ("show", "显示", "Show"),
    ("indicator", "指标", "Indicator"),
    ("unit_of_measure", "单位", "Unit"),
    ("this_year", "本年", "Year"),
    ("cumulative", "累计", "Cumulative"),
    ("previous_year", "上年", "Previous year"),
    ("change", "增减", "Change"),
    ("change_pct", "增减%", "Change %"),
    ("from_records", "其中：记录", "From records"),
    ("from_aggregates", "其中：汇总数据", "From aggregate values"),
    ("by_source", "按资金来源", "By source"),
    ("by_county", "按受帮扶地区", "By helped region"),
    ("unallocated", "未分地区", "No region"),
    ("unspecified", "未分来源", "Source not recorded"),
    ("print", "打印", "Print"),
    ("filter", "筛选", "Filter"),
    ("search", "搜索", "Search"),
    ("all", "全部", "All"),
    ("region", "地区", "Region"),
    ("source", "资金来源", "Source"),
    ("total", "合计", "Total"),
    ("rows", "条", "rows"),
    ("page", "页", "Page"),
    ("previous", "上一页", "Previous"),
    ("next", "下一页", "Next"),
    ("new_record", "新增", "New"),
    ("edit", "编辑", "Edit"),
    ("delete", "删除", "Delete"),
    ("save", "保存", "Save"),
    ("cancel", "取消", "Cancel"),
    (
        "confirm_delete",
        "确定删除这条记录吗？此操作会记入审计日志。",
        "Delete this record? The deletion is kept in the audit log.",
    ),
    ("saved", "已保存", "Saved"),
    ("deleted", "已删除", "Deleted"),
    (
        "fix_errors",
        "请更正下列标出的项目后再保存",
        "Please correct the fields marked below and save again",
    ),
    (
        "figure_made_of",
        "该数字由以下部分组成",
        "This figure is made of",
    ),
    (
        "aggregate_values",
        "汇总数据（无逐条记录的年份）",
        "Aggregate values (years without records)",
    ),
    ("period", "期间", "Period"),
    ("value", "数值", "Value"),
    ("note", "备注", "Note"),
    ("when", "时间", "When"),
    ("who", "操作人", "Who"),
    ("action", "操作", "Action"),
    ("entity", "对象", "What"),
    ("before", "修改前", "Before"),
    ("after", "修改后", "After"),
    ("helper", "帮扶方", "Helper"),
    ("helped", "受帮扶方", "Helped"),
    ("level", "层级", "Level"),
    ("side", "方", "Side"),
    ("kind", "类别", "Kind"),
    ("code", "编号", "Code"),
    ("name", "名称", "Name"),
    ("confirmed", "已核实", "Confirmed"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    (
        "illustrative_hint",
        "示意数据：为凑足公开总数而编制",
        "illustrative: made up to reach a published total",
    ),
    ("signed_in_as", "当前用户", "Signed in as"),
    ("language", "English", "中文"),
    (
        "not_found",
        "找不到该页面或记录",
        "Page or record not found",
    ),
    (
        "forbidden",
        "您没有权限查看或修改该内容",
        "You may not see or change this",
    ),
    ("error", "出错了", "Something went wrong"),
    ("back", "返回", "Back"),
    ("charts", "图表", "Charts"),
    ("funds_by_source", "帮扶资金来源", "Aid funds by source"),
    ("funds_by_year", "历年帮扶资金", "Aid funds by year"),
    ("projects_by_category", "项目类别", "Projects by category"),
    (
        "people_by_year",
        "培训与劳务输出",
        "Training and labour transfer by year",
    ),
    ("map", "受帮扶县分布", "Helped counties"),
    ("map_indicator", "地图指标", "Map indicator"),
    ("no_data", "无数据", "no data"),
    ("headline", "主要指标", "Headline figures"),
    ("aid_from_records", "来自记录", "from records"),
    ("api_tokens", "接口令牌", "API tokens"),
    ("new_token", "生成令牌", "Create token"),
    (
        "token_once",
        "请立即复制此令牌，它只显示这一次：",
        "Copy this token now; it is shown only once:",
    ),
    ("token_name", "令牌名称", "Token name"),
    ("token_days", "有效天数", "Valid for (days)"),
    ("users", "用户管理", "Users"),
    ("account", "我的账号", "My account"),
    ("display_name", "姓名", "Name"),
    ("role", "角色", "Role"),
    ("scope", "范围", "Scope"),
    (
        "scope_help",
        "帮扶协作办公室填帮扶协作编号，帮扶单位填单位编号，受帮扶县填县的行政区划代码",
        "a program office: the program's code; helper unit staff: the unit's code; a helped county: its division code",
    ),
    ("user_active", "在用", "active"),
    (
        "new_password_again",
        "再输入一次新密码",
        "New password again",
    ),
    (
        "done_disable",
        "已停用，其登录已结束、接口令牌已撤销",
        "Disabled; their sessions ended and their tokens are revoked",
    ),
    ("done_enable", "已重新启用", "Enabled again"),
    (
        "done_role",
        "角色已更改，其登录已结束",
        "Role changed; their sessions ended",
    ),
    ("done_unlock", "已解除登录锁定", "Sign-in lock lifted"),
    (
        "passwords_differ",
        "两次输入的新密码不一致，请重新输入",
        "the two new passwords differ; type them again",
    ),
    ("locked_until", "登录已锁定至", "sign-in locked until"),
    ("unlock", "解除锁定", "Unlock"),
    ("user_disabled", "已停用", "disabled"),
    ("disable", "停用", "Disable"),
    ("enable", "启用", "Enable"),
    ("set_role", "更改角色", "Set role"),
    ("reset_password", "重设密码", "Reset password"),
    ("add_user", "新增用户", "Add user"),
    (
        "password_once",
        "新密码只显示这一次，请当面或电话转告：",
        "The new password is shown only once; pass it on in person or by phone:",
    ),
    (
        "confirm_disable",
        "停用后此用户立即退出登录，其接口令牌全部撤销。确定停用吗？",
        "The user is signed out at once and their API tokens are revoked. Disable?",
    ),
    (
        "confirm_reset",
        "重设后旧密码失效，此用户须用新密码重新登录。确定重设吗？",
        "The old password stops working and the user must sign in with the new one. Reset?",
    ),
    ("current_password", "当前密码", "Current password"),
    ("new_password", "新密码", "New password"),
    (
        "password_rule",
        "至少 10 个字符，不能是常见密码或含有用户名；几个词组成的长句最好记也最安全",
        "at least 10 characters, not a common password, not holding your user name; a few words make one easy to remember and hard to guess",
    ),
    ("change_password", "修改密码", "Change password"),
    (
        "password_changed",
        "密码已修改；在其他设备上的登录已结束",
        "Password changed; your sessions on other devices have ended",
    ),
    ("token_owner", "所属用户", "Owner"),
    ("token_created", "生成时间", "Created"),
    ("token_expires", "到期时间", "Expires"),
    ("token_last_used", "最近使用", "Last used"),
    ("token_standing", "状态", "Status"),
    ("token_in_force", "有效", "in force"),
    ("token_revoked", "已撤销", "revoked"),
    ("token_expired", "已过期", "expired"),
    ("revoke", "撤销", "Revoke"),
    (
        "confirm_revoke",
        "撤销后使用此令牌的程序将无法再访问接口，确定撤销吗？",
        "Scripts using this token will lose access. Revoke it?",
    ),
    ("api_browser", "接口浏览", "API browser"),
    ("col_practical", "实用技术培训（人）", "practical trainees"),
    ("col_labour", "劳务输出（人）", "labour transferred"),
    ("drill_records", "逐条记录", "records"),
    ("history", "修改记录", "History"),
    ("per_page", "每页", "Per page"),
    (
        "other_kinds",
        "该指标不读取逐条记录",
        "This indicator reads no records",
    ),
];

/// The words of one language, for templates.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    /// The text for a key; the key itself if the catalog lacks it (a test prevents that).
    pub fn s(&self, key: &str) -> &'static str {
        self.get(key).unwrap_or("?")
    }

    /// The text for a key, if the catalog has it (for keys made from data).
    pub fn get(&self, key: &str) -> Option<&'static str> {
        CATALOG
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, zh, en)| self.lang.pick(zh, en))
    }

    /// The HTML `lang` attribute.
    pub fn code(&self) -> &'static str {
        self.lang.pick("zh-CN", "en")
    }

    /// The other language's code, for the switch.
    pub fn other(&self) -> &'static str {
        self.lang.pick("en", "zh")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_has_both_languages() {
        let mut keys: Vec<_> = CATALOG.iter().map(|(k, _, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len(), "duplicate keys");
        for (k, zh, en) in CATALOG {
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
    }

    #[test]
    fn every_key_used_in_templates_is_in_the_catalog() {
        // Every template there is, so a new one cannot be left out.
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut templates = Vec::new();
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "html") {
                templates.push(std::fs::read_to_string(&path).unwrap());
            }
        }
        assert!(templates.len() >= 20, "templates in {}", folder.display());
        for text in &templates {
            for part in text.split("t.s(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                assert!(
                    CATALOG.iter().any(|(k, _, _)| *k == key),
                    "missing key {key}"
                );
            }
        }
    }
}
