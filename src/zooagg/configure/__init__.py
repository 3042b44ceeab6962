"""Making and reading configs: the workflow export's tasks as typed models (`workflow`), the
extractor and reducer YAML configs (`config`), and task types inferred from a classification
export when there is no workflow export (`infer`); what FEM workflows need (`fem`)."""
