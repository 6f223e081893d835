//! Charts of a document: one series of bars (a figure by county or by fund
//! source). The PDF draws them itself; Word gets them as native chart parts,
//! so an office can restyle them there.

use std::io::{Read, Write};

/// A bar chart: one bar per label, values in the unit `unit` names.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    pub unit: String,
    pub bars: Vec<(String, f64)>,
}

impl Chart {
    /// The largest value, for the scale (never zero, so an empty chart still draws).
    pub fn max(&self) -> f64 {
        self.bars
            .iter()
            .map(|(_, v)| *v)
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE)
    }

    /// A value as its bar's label shows it: grouped, with at most two decimals.
    pub fn value_label(v: f64) -> String {
        let decimals = if v.fract().abs() < 1e-9 { 0 } else { 2 };
        let cell =
            crate::export::ExportCell::Number(v, if decimals == 0 { "#,##0" } else { "#,##0.00" });
        let text = cell.display();
        // 12.50 reads better as 12.5.
        if decimals > 0 {
            text.trim_end_matches('0').to_string()
        } else {
            text
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart part (`word/charts/chartN.xml`): a horizontal bar chart whose
/// labels and values are written into the part itself, so Word and
/// LibreOffice draw it without a linked workbook.
fn chart_part(chart: &Chart, lang_tag: &str) -> String {
    let n = chart.bars.len();
    let mut cats = String::new();
    let mut vals = String::new();
    for (i, (label, value)) in chart.bars.iter().enumerate() {
        cats.push_str(&format!(
            r#"<c:pt idx="{i}"><c:v>{}</c:v></c:pt>"#,
            escape(label)
        ));
        vals.push_str(&format!(r#"<c:pt idx="{i}"><c:v>{value}</c:v></c:pt>"#));
    }
    let unit = escape(&chart.unit);
    // The unit in the language's brackets: full-width in Chinese.
    let title = if lang_tag.starts_with("zh") {
        format!("{}（{unit}）", escape(&chart.title))
    } else {
        format!("{} ({unit})", escape(&chart.title))
    };
    format!(
        r###"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><c:roundedCorners val="0"/><c:chart><c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1100" b="1"/></a:pPr><a:r><a:rPr lang="{lang_tag}" sz="1100" b="1"/><a:t>{title}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart><c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/><c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:v>{unit}</c:v></c:tx><c:spPr><a:solidFill><a:srgbClr val="2F6EBA"/></a:solidFill></c:spPr><c:invertIfNegative val="0"/><c:dLbls><c:numFmt formatCode="#,##0.##" sourceLinked="0"/><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr><c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls><c:cat><c:strLit><c:ptCount val="{n}"/>{cats}</c:strLit></c:cat><c:val><c:numLit><c:formatCode>General</c:formatCode><c:ptCount val="{n}"/>{vals}</c:numLit></c:val></c:ser><c:gapWidth val="60"/><c:axId val="5001"/><c:axId val="5002"/></c:barChart><c:catAx><c:axId val="5001"/><c:scaling><c:orientation val="maxMin"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="5002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx><c:valAx><c:axId val="5002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/><c:majorGridlines><c:spPr><a:ln w="3175"><a:solidFill><a:srgbClr val="D9D9D9"/></a:solidFill></a:ln></c:spPr></c:majorGridlines><c:numFmt formatCode="#,##0" sourceLinked="0"/><c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="5001"/><c:crosses val="max"/><c:crossBetween val="between"/></c:valAx></c:plotArea><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart><c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"><a:latin typeface="Times New Roman"/><a:ea typeface="SimSun"/></a:defRPr></a:pPr><a:endParaRPr lang="{lang_tag}"/></a:p></c:txPr></c:chartSpace>"###
    )
}

/// The run that shows chart `n` in the text, 15 cm wide and tall enough for its bars.
fn inline_drawing(chart: &Chart, n: usize) -> String {
    const EMU_PER_CM: i64 = 360_000;
    let width = 15 * EMU_PER_CM;
    let height = (3 * EMU_PER_CM) + chart.bars.len() as i64 * EMU_PER_CM * 7 / 10;
    format!(
        r#"<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{width}" cy="{height}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{id}" name="Chart {n}"/><wp:cNvGraphicFramePr/><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" r:id="rIdTwinaidChart{n}"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"#,
        id = 9000 + n
    )
}

/// The placeholder text a paragraph carries where chart `n` goes.
pub(crate) fn placeholder(n: usize) -> String {
    format!("[[twinaid-chart-{n}]]")
}

/// Puts the charts into a .docx written by docx-rs: each placeholder's run
/// becomes the chart's drawing, and the chart parts, their relationships and
/// content types are added to the package.
pub(crate) fn embed_in_docx(
    docx: &[u8],
    charts: &[Chart],
    lang_tag: &str,
) -> Result<Vec<u8>, String> {
    if charts.is_empty() {
        return Ok(docx.to_vec());
    }
    let err = |e: zip::result::ZipError| e.to_string();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).map_err(err)?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(err)?;
        let name = file.name().map_err(err)?.to_string();
        let mut text = String::new();
        let mut bytes = Vec::new();
        let is_text = matches!(
            name.as_str(),
            "word/document.xml" | "word/_rels/document.xml.rels" | "[Content_Types].xml"
        );
        if is_text {
            file.read_to_string(&mut text).map_err(|e| e.to_string())?;
        } else {
            file.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        }
        let bytes = match name.as_str() {
            "word/document.xml" => {
                for (n, chart) in charts.iter().enumerate() {
                    text = replace_placeholder_run(&text, n, &inline_drawing(chart, n))?;
                }
                text.into_bytes()
            }
            "word/_rels/document.xml.rels" => {
                let rels: String = (0..charts.len())
                    .map(|n| format!(r#"<Relationship Id="rIdTwinaidChart{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart" Target="charts/chart{n}.xml"/>"#))
                    .collect();
                text.replacen("</Relationships>", &format!("{rels}</Relationships>"), 1)
                    .into_bytes()
            }
            "[Content_Types].xml" => {
                let types: String = (0..charts.len())
                    .map(|n| format!(r#"<Override PartName="/word/charts/chart{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.drawingml.chart+xml"/>"#))
                    .collect();
                text.replacen("</Types>", &format!("{types}</Types>"), 1)
                    .into_bytes()
            }
            _ => bytes,
        };
        out.start_file(name, options).map_err(err)?;
        out.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    for (n, chart) in charts.iter().enumerate() {
        out.start_file(format!("word/charts/chart{n}.xml"), options)
            .map_err(err)?;
        out.write_all(chart_part(chart, lang_tag).as_bytes())
            .map_err(|e| e.to_string())?;
    }
    Ok(out.finish().map_err(err)?.into_inner())
}

/// The chart parts of a .docx, in order (for checks and tests).
pub fn docx_chart_parts(docx: &[u8]) -> Result<Vec<String>, String> {
    let err = |e: zip::result::ZipError| e.to_string();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).map_err(err)?;
    let mut parts = Vec::new();
    for n in 0.. {
        let Ok(mut file) = archive.by_name(&format!("word/charts/chart{n}.xml")) else {
            break;
        };
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|e| e.to_string())?;
        parts.push(text);
    }
    Ok(parts)
}

/// Replaces the run (`<w:r>…</w:r>`) holding placeholder `n` by `run`.
fn replace_placeholder_run(xml: &str, n: usize, run: &str) -> Result<String, String> {
    let mark = placeholder(n);
    let at = xml
        .find(&mark)
        .ok_or_else(|| format!("chart {n}: its place in the document is missing"))?;
    let start = xml[..at]
        .rfind("<w:r>")
        .ok_or_else(|| format!("chart {n}: no run around its place"))?;
    let end = at
        + xml[at..]
            .find("</w:r>")
            .ok_or_else(|| format!("chart {n}: no run around its place"))?
        + "</w:r>".len();
    Ok(format!("{}{run}{}", &xml[..start], &xml[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_labels_are_grouped_and_short() {
        assert_eq!(Chart::value_label(3046.0), "3,046");
        assert_eq!(Chart::value_label(512.5), "512.5");
        assert_eq!(Chart::value_label(0.25), "0.25");
    }

    #[test]
    fn the_chart_part_escapes_labels() {
        let chart = Chart {
            title: "A & B".into(),
            unit: "万元".into(),
            bars: vec![("<x>".into(), 1.5)],
        };
        let xml = chart_part(&chart, "zh-CN");
        assert!(xml.contains("A &amp; B（万元）"));
        assert!(xml.contains("<c:v>&lt;x&gt;</c:v>"));
        assert!(xml.contains("<c:v>1.5</c:v>"));
    }

    #[test]
    fn a_placeholder_run_is_replaced_whole() {
        let xml = format!(
            "<w:p><w:r><w:rPr/><w:t>{}</w:t></w:r></w:p>",
            placeholder(0)
        );
        let out = replace_placeholder_run(&xml, 0, "<w:r>X</w:r>").unwrap();
        assert_eq!(out, "<w:p><w:r>X</w:r></w:p>");
        assert!(replace_placeholder_run(&xml, 1, "").is_err());
    }
}
