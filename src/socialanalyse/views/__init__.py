"""Views: what each notebook shows, one module (or subpackage) per notebook and analysis.

    00_datagrundlag           views.datagrundlag
    01_servicetjek            views.servicetjek
    02_effekt_og_progression  views.progression   (figures, text, widgets)
    03_business_case          views.businesscase  (figures, text, tables, widgets)
    04_budget_og_prognose     views.budget
    05_noegletal              views.noegletal
    06_indkoeb                views.indkoeb       (figures, sections, tables, text, widgets)
    07_kapacitet              views.kapacitet
    08_opfoelgning            views.opfoelgning
    09_klynge                 views.klynge        (a cluster: members' aggregates)
    10_selvevaluering         views.selvevaluering

A view holds a notebook's figures with their alt texts, display tables, Danish texts, widgets
and one `headline_results(...)` returning {name: report.Headline} for `report.record_all`.
Views import `report` and the analyses, never each other; nothing below imports views.
"""
