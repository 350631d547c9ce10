"""Selvevaluering: the municipality against KL's 12 recommendations and Deloitte's 14
municipalities, with the data's own answers and the kroner at stake (workbook 10).

KL writes that its recommendations "skal give anledning til selvevaluering og lokale
drøftelser"; Deloitte asked 14 municipalities 25 questions about buying residential places.
The sources are reference data (reference.kl_anbefalinger, deloitte_spoergsmaal,
deloitte_fordeling). Here:

- `questionnaire_sheets(datasvar)` + `excel_options()`: the questionnaire for report.excel
  (drop-downs for the answer scales, a comment column); `read_questionnaire(path)` reads the
  filled-in file back (reader.py, the one I/O function) through `validate_answers`, which
  names sheet, row and column of every problem in Danish; `answers_file(params, besvarelse)`
  is where it is (the parameter selvevaluering.besvarelse, or the notebook's own).
- `data_answers(data, params, resultater)`: the data's answers (registry DATASVAR), each on
  its question's scale with a Danish sentence of evidence; `resultater` is the run's
  results.json content, so other workbooks' recorded results are used (recorded.RESULTATER).
- `status_table` (KL's 12 with status from the self-assessment and the data) and
  `disagreements` (where the two differ by half the scale or more).
- `priorities(resultater, datasvar, answers)`: the recommendations ranked by the kroner at
  stake (priorities.KRONER), with the two or three to start with.

Plain functions over DataFrames; no plotting or printing.
"""

from .comparison import UENIG, data_status, deloitte_comparison, disagreements, status_table
from .from_data import DATASVAR, EMNER, Datasvar, data_answers
from .priorities import KRONER, Kroner, priorities, stakes
from .questionnaire import (
    DELOITTE,
    DELOITTE_ARK,
    KL,
    KL_ARK,
    SKALAER,
    STATUS,
    VED_IKKE,
    SelvevalueringsFejl,
    choices,
    excel_options,
    position,
    questionnaire_sheets,
    questions,
    validate_answers,
)
from .reader import answers_file, read_questionnaire
from .recorded import RESULTATER

__all__ = [
    "DATASVAR",
    "DELOITTE",
    "DELOITTE_ARK",
    "EMNER",
    "KL",
    "KL_ARK",
    "KRONER",
    "RESULTATER",
    "SKALAER",
    "STATUS",
    "UENIG",
    "VED_IKKE",
    "Datasvar",
    "Kroner",
    "SelvevalueringsFejl",
    "answers_file",
    "choices",
    "data_answers",
    "data_status",
    "deloitte_comparison",
    "disagreements",
    "excel_options",
    "position",
    "priorities",
    "questionnaire_sheets",
    "questions",
    "read_questionnaire",
    "stakes",
    "status_table",
    "validate_answers",
]
