//! One line of help per field of a record, in both languages: what a clerk
//! should put there, shown under the field in forms and in templates.

use crate::lang::Lang;
use crate::record::RecordKind;

/// The help line of a kind's field, in a language; `None` for a field this
/// module does not know (every built-in field has one, see the test).
pub fn help(kind: RecordKind, field: &str, lang: Lang) -> Option<&'static str> {
    let (zh, en) = own(kind, field).or_else(|| common(field))?;
    Some(lang.pick(zh, en))
}

/// Help that depends on the kind: the same field name means different things.
fn own(kind: RecordKind, field: &str) -> Option<(&'static str, &'static str)> {
    use RecordKind as K;
    Some(match (kind, field) {
        (K::Project, "amount") => (
            "帮扶方投入本项目的资金，单位元；不含受帮扶地区自筹。",
            "Aid funds the helper put into this project, in yuan; not local funds.",
        ),
        (K::FundTransaction, "amount") => (
            "本笔资金的金额，单位元；冲回填负数。外币资金可留空，按汇率由原币金额折算。",
            "The amount of this transaction, in yuan; a reversal is negative. For another currency it may be left empty and is converted from the original amount.",
        ),
        (K::FundTransaction, "currency") => (
            "资金原来的币种，ISO 4217 三位字母代码（如 USD）；人民币留空。",
            "The currency the money was given in, as its ISO 4217 code (e.g. USD); empty for yuan.",
        ),
        (K::FundTransaction, "original_amount") => (
            "以原币种计的金额（冲回填负数）；按日期的汇率折为人民币计入数字。",
            "The amount in its own currency (negative for a reversal); counted in yuan at the rate of its date.",
        ),
        (K::StudentAid, "amount") => (
            "本年度资助的金额，单位元。",
            "The amount given this year, in yuan.",
        ),
        (K::FundTransaction, "kind") => (
            "承诺、拨付或支出：年鉴的帮扶资金只计拨付。",
            "Commitment, disbursement or expenditure: the yearbook's aid funds count disbursements.",
        ),
        (K::Training, "kind") => (
            "按年鉴的培训类别选择。",
            "Choose the training category the yearbook reports.",
        ),
        (K::CadreExchange, "kind") => ("挂职、培训或考察调研。", "Secondment, training or survey."),
        (K::ExchangeVisit, "kind") => (
            "主要领导互访、部门互访、代表团或招商考察。",
            "Leaders' visit, department visit, delegation or investment fair.",
        ),
        (K::LabourTransfer, "people") => (
            "本条记录输出的人数；按人登记时为 1。",
            "People transferred by this record; 1 when each worker is a record.",
        ),
        (K::ExchangeVisit, "people") => {
            ("参加本次互访的人数。", "People taking part in the visit.")
        }
        (K::CooperationAgreement, "enterprise") => (
            "签约的帮扶方企业名称。",
            "The helping side's enterprise that signed.",
        ),
        (K::ParkEnterprise, "enterprise") => (
            "入驻园区的企业名称。",
            "The enterprise that settled in the park.",
        ),
        (K::Pairing, "helper_unit") => (
            "结对的帮扶方单位。",
            "The unit on the helping side of the pairing.",
        ),
        (K::Pairing, "code") => (
            "留空则自动生成；也可填写已有编号。",
            "Leave empty to have one made; or type an existing code.",
        ),
        _ => return None,
    })
}

/// Help for a field name that means one thing in every kind.
fn common(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
        "code" => (
            "留空则按年度、地区等自动生成编号；保存后不能修改。",
            "Leave empty to have one made from the year, place and kind; it cannot change once saved.",
        ),
        "year" => (
            "工作所属的年度，计入该年的年鉴。",
            "The year the work belongs to; it counts in that year's yearbook.",
        ),
        "helper_unit" => (
            "做这项工作的帮扶单位；单位用户只能选本单位。",
            "The helper unit that did the work; unit staff can choose only their own unit.",
        ),
        "region_code" => (
            "受帮扶的县，须与帮扶单位当年结对。",
            "The helped county, paired with the helper unit in that year.",
        ),
        "illustrative" => (
            "仅为示意、不属于真实工作的数据选“是”。",
            "Choose yes for data that only illustrates and is not real work.",
        ),
        "note" => (
            "需要说明的其他情况。",
            "Anything else a reader should know.",
        ),
        "level" => (
            "结对的层级，如市对县、企业对村。",
            "The level of the pairing, e.g. city–county, enterprise–village.",
        ),
        "helped_region" => (
            "受帮扶的地区（市、县或乡村）。",
            "The helped place (prefecture, county or village).",
        ),
        "helped_unit" => (
            "受帮扶方的单位，如学校、医院；没有则留空。",
            "The unit on the helped side, e.g. a school or hospital; empty if none.",
        ),
        "from_year" => (
            "结对开始的年份；留空为项目开始时。",
            "The year the pairing starts; empty for the program's start.",
        ),
        "to_year" => (
            "结对结束的年份；留空为仍在结对。",
            "The year the pairing ends; empty while it lasts.",
        ),
        "confirmed" => (
            "结对已由文件核实选“是”。",
            "Yes when a document confirms the pairing.",
        ),
        "category" => (
            "项目类别，年鉴按类别统计项目数。",
            "The category the yearbook counts projects by.",
        ),
        "name_zh" => (
            "中文名称，列表和年鉴中显示。",
            "The Chinese name shown in lists and the yearbook.",
        ),
        "name_en" => ("英文名称，可留空。", "The English name; may be empty."),
        "title_zh" => ("中文名称。", "The Chinese title."),
        "title_en" => ("英文名称，可留空。", "The English title; may be empty."),
        "status" => (
            "项目所处的阶段，只能通过详情页的按钮改变。",
            "The project's stage; changed only by the buttons on its page.",
        ),
        "budget" => (
            "项目总投资，单位元，含各方资金。",
            "The project's total investment in yuan, from all sources.",
        ),
        "length_km" => (
            "道路、渠道等的长度，单位公里。",
            "Length of a road, canal etc. in km.",
        ),
        "units_built" => (
            "建成的数量，如小水窖的口数。",
            "How many were built, e.g. ponds.",
        ),
        "beneficiaries" => (
            "受益的人数，可由受帮扶县填报。",
            "People who benefit; the county may report it.",
        ),
        "form" => ("资金或实物。", "Cash or in kind."),
        "latitude" => (
            "项目所在地的纬度（十进制度数，北纬为正），可留空；填写后项目显示在地图上。",
            "The project's latitude in decimal degrees (north positive); may be empty; with it the project shows on the map.",
        ),
        "longitude" => (
            "项目所在地的经度（十进制度数，东经为正），可留空。",
            "The project's longitude in decimal degrees (east positive); may be empty.",
        ),
        "date" => ("日期，格式 年-月-日。", "The date, as year-month-day."),
        "project_code" => (
            "这笔资金所属的项目；不属于具体项目则留空。",
            "The project the money is for; empty if for no single project.",
        ),
        "partner" => ("受帮扶方的合作单位。", "The partner on the helped side."),
        "sector" => ("所属行业。", "The sector."),
        "value" => ("协议金额，单位元。", "The agreed value in yuan."),
        "actual_investment" => (
            "已实际到位的投资，单位元。",
            "Investment actually made, in yuan.",
        ),
        "jobs" => ("提供的就业岗位数。", "Jobs provided."),
        "profit_tax" => ("产生的利税，单位元。", "Profit and tax produced, in yuan."),
        "park_code" => ("企业入驻的产业园。", "The park the enterprise settled in."),
        "investment" => (
            "企业的投资，单位元。",
            "The enterprise's investment in yuan.",
        ),
        "courses" => ("举办的期数。", "Courses held."),
        "participants" => ("参加培训的人数。", "People trained."),
        "cost" => ("培训经费，单位元。", "The cost of the training in yuan."),
        "destination_region" => (
            "劳动者外出务工所去的省或市。",
            "The province or city the workers went to.",
        ),
        "employer" => ("用工单位名称。", "The employer."),
        "worker_ref" => (
            "劳动者的化名编号，不填真实姓名或身份证号。",
            "A pseudonym for the worker; never a real name or ID number.",
        ),
        "direction" => (
            "派往受帮扶地区，或来帮扶方挂职学习。",
            "To the helped region, or to the helping region.",
        ),
        "person_times" => ("交流的人次。", "Person-times exchanged."),
        "school" => ("受助学生就读的学校。", "The student's school."),
        "students" => ("本条记录资助的学生数。", "Students aided by this record."),
        "student_ref" => (
            "学生的化名编号，不填真实姓名或身份证号。",
            "A pseudonym for the student; never a real name or ID number.",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_every_kind_has_help_in_both_languages() {
        for kind in RecordKind::ALL {
            for f in kind.fields() {
                for lang in [Lang::Zh, Lang::En] {
                    let h = help(kind, f.name, lang);
                    assert!(
                        h.is_some_and(|h| !h.is_empty()),
                        "{} {} has no help in {lang:?}",
                        kind.code(),
                        f.name
                    );
                }
            }
        }
        assert_eq!(help(RecordKind::Project, "no_such_field", Lang::Zh), None);
    }

    #[test]
    fn the_same_name_can_mean_different_things() {
        assert_ne!(
            help(RecordKind::Project, "amount", Lang::En),
            help(RecordKind::FundTransaction, "amount", Lang::En)
        );
    }
}
